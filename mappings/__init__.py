"""Index templates and golden index bodies, shipped in the wheel as ``babelsearch._mappings``."""

"""Search-pipeline templates, shipped in the wheel as ``babelsearch._pipelines``."""

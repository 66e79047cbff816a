"""Where results live: the object store (files) and the results database (rows).

- ``storage.keys``: the object-key scheme and key validation.
- ``storage.objects``: the ``ObjectStore`` interface, ``StoredObject``, ``open_object_store(url)``.
- ``storage.local``: ``LocalFolderStore``, the embedded store.
- ``storage.s3``: ``S3Store``, the same interface on S3/MinIO/SeaweedFS (``s3://bucket[/prefix]``).
- ``storage.check``: the scrubber behind ``sohoa storage check`` (objects against the database).
- ``storage.db``: ``make_engine``, ``migrate`` (call on every start), ``session_scope``.
- ``storage.tables``: the SQLAlchemy models, one module per aggregate.
- ``storage.repository``: the functions the dossier lifecycle, review and reuse call, including the
  hash-chained audit log (``append_audit``, ``verify_audit``) and field revisions.
- ``storage.states``: dossier and stage state vocabularies and allowed transitions.

Nothing is imported here, so using the object store does not load SQLAlchemy.
"""

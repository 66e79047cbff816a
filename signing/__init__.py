"""Signing and verifying sohoa's PDFs (PAdES, pyHanko), kept apart from the pipeline.

Modules, each usable on its own (this package imports only the ``sohoa`` kernel and third-party libs):

* ``signing.keys``    load a signer (PKCS#12 file or PKCS#11 token); tell development certificates apart
* ``signing.devpki``  the offline development PKI, made on first use under ``settings.keys_dir``
* ``signing.stamp``   where the visible stamp goes on page 1 (pure geometry, top-left origin)
* ``signing.sign``    ``sign_pdf``: the last write of processing, with a Vietnamese stamp
* ``signing.verify``  ``verify_pdf`` (pyHanko, the judge) and ``pdfsig_verdicts`` (second opinion)

Nothing is imported here, so ``import signing.stamp`` stays cheap.
"""

"""sohoa in a browser: the HTTP API (/api/v1) and the pages for the reception desk, citizens and verifiers.

The web calls ``workers.service.Service`` only (as the CLI does); the app is built by ``web.app.create_app``.
"""

"""Serving helper shared by the HTTP examples: 127.0.0.1, port from PORT (default 8080).

The manual used wsgiref; clink's development server (werkzeug's, with read timeouts,
size limits and JSON errors: ``clink_core.cli.serve``) speaks HTTP/1.1 and, unlike
wsgiref, does not invent ``Content-Type: text/plain`` for requests that send none.
"""

import os

from clink_core.cli.serve import make_server


def serve(app, path="/"):
    """Serve ``app`` on 127.0.0.1:$PORT until interrupted."""
    address = "127.0.0.1"
    port = int(os.environ.get("PORT", "8080"))
    print(f"Prepare API on http://{address}:{port}{path}", flush=True)
    httpd = make_server(address, port, app)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        httpd.server_close()

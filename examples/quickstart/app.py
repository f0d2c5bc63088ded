"""The manual's Quickstart: one controller answering GET /book/item with JSON.

Needs only clink-core (JSON is built in). Serves on 127.0.0.1:8080, or the port in PORT.
"""

import sys
from pathlib import Path

# STEP 1: get clink library
from clink_core import App, AppConf, Controller, Request, Response, mapper, stamp

# STEP 3: create application
conf = AppConf("book-api")
app = App(conf)


# STEP 4: define controller
@stamp()
@mapper.path("/book")
class BookCtl(Controller):
    @mapper.get("/item")
    def get_item(self, req: Request, res: Response):
        res.body = {"name": "How to Die", "author": "Death"}


# STEP 5: add controller to application
app.add_ctl(BookCtl)

# STEP 6: load components
app.load()

# STEP 7: serve application on a WSGI server
if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from _serve import serve

    serve(app, "/book/item")

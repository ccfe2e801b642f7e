"""Build the whole site (中文 at /, English at /en/) into site/ and serve it on 127.0.0.1.

    .venv/bin/python scripts/serve_site.py [--port 8000] [--no-watch]

How: gdguide_site/serve.py (it rebuilds on changes).
"""

from gdguide_site.serve import main

if __name__ == "__main__":
    main()

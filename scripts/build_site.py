"""Build the whole bilingual site: 中文 (mkdocs.yml) at the root, English (mkdocs.en.yml) at /en/.

    .venv/bin/python scripts/build_site.py [--site-dir site]

How: gdguide_site/build.py.
"""

from gdguide_site.build import main

if __name__ == "__main__":
    main()

"""Write every figure of the guide as SVG, labelled in one language, into a folder.

    .venv/bin/python scripts/make_figures.py --lang zh --out build/figures/zh

The site's build draws the figures itself; this is for looking at them alone
(see gdguide_site/figures.py).
"""

from gdguide_site.figures import main

if __name__ == "__main__":
    main()

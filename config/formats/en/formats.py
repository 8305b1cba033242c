"""English keeps the dd/mm/yyyy dates officers read in documents; only the separators differ."""

from config.formats.vi.formats import *  # noqa: F403 (Django reads a format module's names)

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","

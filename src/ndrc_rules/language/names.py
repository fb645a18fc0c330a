"""Names as the language compares them: keywords, and the folded spelling
that makes case and accents never matter. Read by every stage, so it imports nothing."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Folded spelling → keyword terminal. Synonyms share a terminal.
KEYWORDS: dict[str, str] = {
    "diplome": "DIPLOME",
    "rncp": "RNCP",
    "niveau": "NIVEAU",
    "source": "SOURCE",
    "session": "SESSION",
    "resultat": "RESULTAT",
    "regime": "REGIME",
    "reprend": "REPREND",
    "groupe": "GROUPE",
    "facultatif": "FACULTATIF",
    "facultative": "FACULTATIF",
    "dispensable": "DISPENSABLE",
    "unite": "UNITE",
    "partie": "PARTIE",
    "coefficient": "COEFFICIENT",
    "ccf": "CCF",
    "situation": "SITUATIONS",
    "situations": "SITUATIONS",
    "epff": "EPFF",
    "de": "DE",
    "des": "DE",
    "preparation": "PREPARATION",
    "forme": "FORME",
    "chiffre": "CHIFFRE",
    "regle": "REGLE",
    "si": "SI",
    "alors": "ALORS",
    "sauf": "SAUF",
    "sinon": "SINON",
    "choix": "CHOIX",
    "unites": "UNITES",
    "parmi": "PARMI",
    "toutes": "TOUTES",
    "les": "LES",
    "restantes": "RESTANTES",
    "cite": "CITE",
    "ou": "OU",
    "et": "ET",
    "non": "NON",
    "entre": "ENTRE",
    "inclus": "INCLUS",
    "exclu": "EXCLU",
    "abs": "ABS",
    "dans": "DANS",
    "moyenne": "MOYENNE",
    "total": "TOTAL",
    "coefficients": "COEFFICIENTS",
    "points": "POINTS",
    "au-dessus": "AU_DESSUS",
    "arrondi": "ARRONDI",
    "tronque": "TRONQUE",
    "decimale": "DECIMALES",
    "decimales": "DECIMALES",
    "exemple": "EXEMPLE",
    "notes": "NOTES",
    "attendu": "ATTENDU",
    "par": "PAR",
    "importe": "IMPORTE",
    "modele": "MODELE",
    "apres": "APRES",
    "controle": "CONTROLE",
    "derniere": "DERNIERE",
    "benefice": "BENEFICE",
    "pendant": "PENDANT",
    "ans": "ANS",
}


@lru_cache(maxsize=4096)
def fold(word: str) -> str:
    """Case- and accent-insensitive spelling: 'Règle' → 'regle', 'au_dessus' → 'au-dessus'."""
    decomposed = unicodedata.normalize("NFD", word.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.replace("_", "-") if plain.replace("_", "-") in KEYWORDS else plain

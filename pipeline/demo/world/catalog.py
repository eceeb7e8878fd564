"""Fixed reference data for the demo: the training organisation, its courses and places, the
French mailbox market and the typing mistakes people make in addresses.

Plain constants only; no randomness and no I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass

ORG_NAME = "Horizon Compétences"
ORG_DOMAIN = "horizon-competences.fr"
ORG_SITE = f"https://www.{ORG_DOMAIN}"
ORG_ADDRESS = "18 rue de la Gare, 69003 Lyon"
ORG_SIRET = "812 345 678 00027"
ORG_NDA = "84 69 15432 69"  # numéro de déclaration d'activité
LOGO_URL = f"{ORG_SITE}/static/img/logo-horizon-competences.png"
SENDER_TRAINING = f"formation@{ORG_DOMAIN}"
SENDER_BILLING = f"facturation@{ORG_DOMAIN}"
BREVO_IPS = ("77.32.148.23", "77.32.148.31", "185.107.232.147")  # shared Brevo relays
SENDGRID_IP = "149.72.178.36"  # the organisation's dedicated SendGrid IP
SALES_REPS = (
    ("Camille", "Roux"),
    ("Julien", "Marchand"),
    ("Sophie", "Lemaire"),
    ("Karim", "Benali"),
)


@dataclass(frozen=True)
class Course:
    code: str
    title: str
    days: int
    size: tuple[int, int]  # learners in an ordinary session
    cohort: bool  # can run as a large cohort for one client (many groups)
    virtual: bool  # can run as a virtual classroom
    price: int  # euros HT per learner


COURSES: tuple[Course, ...] = (
    Course("HAB-BR", "Habilitation électrique BR/B2V", 3, (5, 10), False, False, 690),
    Course(
        "HAB-H0B0",
        "Habilitation électrique H0B0 – personnel non électricien",
        1,
        (6, 12),
        True,
        False,
        260,
    ),
    Course(
        "SST",
        "Sauveteur Secouriste du Travail (SST) – formation initiale",
        2,
        (6, 10),
        False,
        False,
        390,
    ),
    Course(
        "MAC-SST",
        "MAC SST – maintien et actualisation des compétences",
        1,
        (6, 10),
        False,
        False,
        220,
    ),
    Course("EXCEL-INIT", "Excel initiation", 2, (5, 9), False, True, 590),
    Course("EXCEL-PERF", "Excel perfectionnement", 2, (5, 9), False, True, 640),
    Course("MGT", "Management d'équipe", 3, (6, 11), False, False, 1290),
    Course(
        "CACES-R489",
        "CACES R489 – chariots élévateurs catégories 1A, 3 et 5",
        3,
        (3, 6),
        False,
        False,
        980,
    ),
    Course(
        "CACES-R486",
        "CACES R486 – plateformes élévatrices mobiles (nacelles)",
        2,
        (3, 6),
        False,
        False,
        850,
    ),
    Course("ANGLAIS", "Anglais professionnel – niveau intermédiaire", 5, (4, 8), False, True, 1450),
    Course("GESTES", "Gestes et postures – prévention des TMS", 1, (6, 12), True, False, 240),
    Course("RGPD", "RGPD : comprendre et appliquer la réglementation", 1, (6, 14), True, True, 450),
    Course("PAROLE", "Prise de parole en public", 2, (5, 10), False, True, 890),
    Course("CYBER", "Sensibilisation à la cybersécurité", 1, (8, 16), True, True, 320),
    Course("EPI", "Équipier de première intervention (incendie)", 1, (6, 12), True, False, 210),
    Course(
        "ENTRETIENS",
        "Conduire les entretiens annuels et professionnels",
        1,
        (5, 10),
        False,
        True,
        490,
    ),
    Course("STRESS", "Gestion du stress et des émotions", 2, (5, 10), False, False, 760),
    Course(
        "PPT", "PowerPoint : concevoir des présentations efficaces", 1, (5, 9), False, True, 420
    ),
    Course("TUTEUR", "Devenir tuteur en entreprise", 2, (5, 10), False, False, 680),
    Course(
        "AIPR",
        "AIPR opérateur – intervention à proximité des réseaux",
        1,
        (5, 10),
        False,
        False,
        310,
    ),
)

VIRTUAL = "Classe virtuelle"
PLACES: tuple[tuple[str, str], ...] = (
    ("Paris", "12 rue de la Victoire, 75009 Paris"),
    ("Lyon", "18 rue de la Gare, 69003 Lyon"),
    ("Nantes", "4 quai de Versailles, 44000 Nantes"),
    ("Bordeaux", "27 cours de l'Intendance, 33000 Bordeaux"),
    ("Lille", "9 rue Nationale, 59000 Lille"),
    ("Toulouse", "31 allée Jean Jaurès, 31000 Toulouse"),
    ("Marseille", "55 rue de Rome, 13001 Marseille"),
    ("Rennes", "2 place de Bretagne, 35000 Rennes"),
    ("Strasbourg", "14 rue du 22 Novembre, 67000 Strasbourg"),
    (VIRTUAL, "en ligne (le lien de connexion vous est envoyé avec la convocation)"),
)
PLACE_WEIGHTS = (20, 16, 9, 9, 8, 8, 8, 6, 5, 11)

# Personal mailboxes of French learners: the real market shares, roughly.
PERSONAL_DOMAINS: tuple[tuple[str, int], ...] = (
    ("gmail.com", 40),
    ("orange.fr", 13),
    ("hotmail.fr", 9),
    ("outlook.fr", 6),
    ("free.fr", 6),
    ("laposte.net", 5),
    ("yahoo.fr", 5),
    ("icloud.com", 5),
    ("sfr.fr", 4),
    ("wanadoo.fr", 3),
    ("hotmail.com", 2),
    ("live.fr", 2),
)

# Who runs each mailbox: decides SMTP replies, greylisting and the DMARC incident.
MAILBOX_OPERATOR = {
    "gmail.com": "google",
    "orange.fr": "orange",
    "wanadoo.fr": "orange",
    "hotmail.fr": "microsoft",
    "hotmail.com": "microsoft",
    "outlook.fr": "microsoft",
    "live.fr": "microsoft",
    "free.fr": "free",
    "laposte.net": "laposte",
    "yahoo.fr": "yahoo",
    "icloud.com": "apple",
    "sfr.fr": "sfr",
}
COMPANY_OPERATORS = (("m365", 55), ("google", 25), ("ovh", 20))

MX_HOSTS = {
    "google": "gmail-smtp-in.l.google.com",
    "orange": "smtp-in.orange.fr",
    "microsoft": "eur.olc.protection.outlook.com",
    "free": "mx1.free.fr",
    "laposte": "smtp-in.laposte.net",
    "yahoo": "mx-eu.mail.am0.yahoodns.net",
    "apple": "mx01.mail.icloud.com",
    "sfr": "mx1.sfr.fr",
    "ovh": "mx1.mail.ovh.net",
    "m365": "mail.protection.outlook.com",
}

# Typing mistakes seen in real French contact lists: (correct domain, typed domain).
DOMAIN_TYPOS: tuple[tuple[str, str], ...] = (
    ("gmail.com", "gmial.com"),
    ("gmail.com", "gmai.com"),
    ("gmail.com", "gmail.con"),
    ("gmail.com", "gmail.fr"),
    ("gmail.com", "gmail"),
    ("hotmail.fr", "hotmial.fr"),
    ("hotmail.fr", "hotmail.f"),
    ("orange.fr", "orange.f"),
    ("orange.fr", "ornage.fr"),
    ("yahoo.fr", "yahou.fr"),
    ("outlook.fr", "outlok.fr"),
    ("wanadoo.fr", "wanado.fr"),
    ("laposte.net", "laposte.ne"),
    ("free.fr", "free.fr."),
)

COMPANY_PREFIXES = (
    "Transports",
    "Logistique",
    "Menuiserie",
    "Boulangeries",
    "Garage",
    "Clinique",
    "Cabinet",
    "Imprimerie",
    "Laboratoires",
    "Hôtel",
    "Métallerie",
    "Électricité",
    "Plomberie",
    "Ambulances",
    "Pharmacie",
    "Groupe",
    "Industries",
    "Bâtiment",
    "Maçonnerie",
    "Jardins",
)
COMPANY_MAILBOXES = ("comptabilite", "compta", "factures", "comptabilite.fournisseurs")
TRAINER_DOMAINS = ("gmail.com", "orange.fr", "outlook.fr", "free.fr", ORG_DOMAIN)

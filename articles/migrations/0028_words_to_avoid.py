"""The stigma check's first list of words to avoid: NIDA's "Words Matter" (and SAMHSA's
guidance on language), and the person-first lists of the demo entries. Editors change it
in the admin; a later deploy never puts back a word they removed."""

from django.db import migrations

AVOID_ADDICTION = "person with a substance use disorder; person who uses drugs"
ORGANISATIONS = (
    "National Institute on Drug Abuse\n"
    "National Institute on Alcohol Abuse and Alcoholism\n"
    "Substance Abuse and Mental Health Services Administration"
)

# (word, say instead, why, fine inside)
WORDS = [
    ("addict", AVOID_ADDICTION, "It defines a whole person by one health condition.", ""),
    ("junkie", AVOID_ADDICTION, "A slur that keeps people from seeking help.", ""),
    ("user", "person who uses drugs", "It reduces a person to their drug use.", ""),
    ("drug user", "person who uses drugs", "It reduces a person to their drug use.", ""),
    ("abuser", AVOID_ADDICTION, "“Abuse” links a health condition to blame and punishment.", ""),
    ("drug abuser", AVOID_ADDICTION, "“Abuse” links a health condition to blame.", ""),
    ("substance abuser", AVOID_ADDICTION, "“Abuse” links a health condition to blame.", ""),
    (
        "alcohol abuser",
        "person with alcohol use disorder",
        "“Abuse” links a health condition to blame.",
        "",
    ),
    (
        "substance abuse",
        "substance use; substance use disorder (for the condition)",
        "“Abuse” suggests wrongdoing; clinicians speak of use and of use disorders.",
        ORGANISATIONS,
    ),
    (
        "drug abuse",
        "drug use; substance use disorder (for the condition)",
        "“Abuse” suggests wrongdoing; clinicians speak of use and of use disorders.",
        ORGANISATIONS,
    ),
    (
        "alcohol abuse",
        "alcohol misuse; alcohol use disorder (for the condition)",
        "“Abuse” suggests wrongdoing; clinicians speak of use and of use disorders.",
        ORGANISATIONS,
    ),
    (
        "alcoholic",
        "person with alcohol use disorder",
        "It defines a whole person by one health condition.",
        "Alcoholics Anonymous\nAdult Children of Alcoholics",
    ),
    (
        "alcoholism",
        "alcohol use disorder",
        "The clinical name says what can be treated.",
        ORGANISATIONS,
    ),
    ("drunk", "person with alcohol use disorder; intoxicated", "A label, not a description.", ""),
    (
        "clean",
        "in recovery; not using (of a person); testing negative (of a test)",
        "It implies that people who use drugs are dirty.",
        "",
    ),
    (
        "dirty",
        "actively using (of a person); testing positive (of a test)",
        "It implies that people who use drugs are dirty.",
        "",
    ),
    (
        "replacement therapy",
        "medication for opioid use disorder; opioid agonist therapy",
        "Medication treats a disorder; it does not swap one drug for another.",
        "",
    ),
    (
        "substitution therapy",
        "medication for opioid use disorder; opioid agonist therapy",
        "Medication treats a disorder; it does not swap one drug for another.",
        "",
    ),
    (
        "opioid replacement",
        "medication for opioid use disorder",
        "Medication treats a disorder; it does not swap one drug for another.",
        "",
    ),
    ("drug habit", "substance use disorder", "A “habit” suggests a choice one could drop.", ""),
    (
        "addicted baby",
        "baby with neonatal opioid withdrawal syndrome",
        "Babies are not born with a substance use disorder.",
        "",
    ),
]


def add_words(apps, schema_editor):
    WordToAvoid = apps.get_model("articles", "WordToAvoid")
    for word, alternatives, why, kept_in in WORDS:
        WordToAvoid.objects.get_or_create(
            word=word, defaults={"alternatives": alternatives, "why": why, "kept_in": kept_in}
        )
    # An existing glossary's own person-first lists: each word points to its entry's term.
    Entry = apps.get_model("articles", "Entry")
    for title, words in Entry.objects.exclude(stigmatizing_terms="").values_list(
        "title", "stigmatizing_terms"
    ):
        for line in words.splitlines():
            word = " ".join(line.lower().split())[:100]
            if word:
                WordToAvoid.objects.get_or_create(word=word, defaults={"alternatives": title})


def remove_words(apps, schema_editor):
    apps.get_model("articles", "WordToAvoid").objects.filter(
        word__in=[word for word, *_ in WORDS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("articles", "0027_review_sources_wording_kb_quotes")]

    operations = [migrations.RunPython(add_words, remove_words)]

"""The platform's fixed taxonomy. Every school category maps to one standard category, so
trusts can compare schools whose own category names differ."""

from __future__ import annotations

from django.db import models


class Standard(models.TextChoices):
    PHYSICAL_ABUSE = "physical_abuse", "Physical abuse"
    EMOTIONAL_ABUSE = "emotional_abuse", "Emotional abuse"
    SEXUAL_ABUSE = "sexual_abuse", "Sexual abuse"
    NEGLECT = "neglect", "Neglect"
    CHILD_ON_CHILD = "child_on_child", "Child-on-child abuse"
    ONLINE_SAFETY = "online_safety", "Online safety"
    MENTAL_HEALTH = "mental_health", "Mental health"
    SELF_HARM = "self_harm", "Self-harm"
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse"
    EXPLOITATION = "exploitation", "Child exploitation (CSE/CCE)"
    RADICALISATION = "radicalisation", "Radicalisation"
    STATUTORY = "statutory", "Child protection, CIN and CLA processes"
    EARLY_HELP = "early_help", "Early help"
    GENERAL_SAFEGUARDING = "general_safeguarding", "General safeguarding concern"
    ATTENDANCE = "attendance", "Attendance"
    MISSING = "missing", "Missing from home or education"
    SEND = "send", "Special educational needs and disabilities"
    BEHAVIOUR = "behaviour", "Behaviour"
    BULLYING = "bullying", "Bullying"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse"
    INJURY = "injury", "Injury or medical"
    PARENTAL_CONTACT = "parental_contact", "Contact with parents or carers"
    OTHER = "other", "Other"

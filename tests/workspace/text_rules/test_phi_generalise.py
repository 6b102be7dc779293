"""The PHI rules find identifiers by general evidence — cues, formats, gazetteers — so they
hold on text they were not written on: names of many cultures, the many ways to write a date,
phone number, record number or address; and they leave ordinary clinical prose alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench.bench_phi_rules import NOTES, UNSEEN, blind_rules, measure, unseen_is_complete
from workspace.text_rules.phi import find_phi

NEW_TEXT = [
    # names: titles, fields, roles, relatives, signatures, subjects, gazetteers
    ("Case discussed with Dr Kwabena Asante (cardiology).", "phi_name", "Kwabena Asante"),
    ("Oluwaseun Adeyemi presented with chest pain.", "phi_name", "Oluwaseun Adeyemi"),
    ("Attending: Sebastián Quiroga-Méndez", "phi_name", "Sebastián Quiroga-Méndez"),
    ("Name: Aleksandra Wiśniewska", "phi_name", "Aleksandra Wiśniewska"),
    ("Łukasz Zieliński attended with his wife.", "phi_name", "Łukasz Zieliński"),
    ("Thanks,\nMarguerite", "phi_name", "Marguerite"),
    ("Brother (Dmitri) visiting tomorrow.", "phi_name", "Dmitri"),
    ("Mother: Shanice Porter", "phi_name", "Shanice Porter"),
    ("Chaplain Ruth Ekwueme visited.", "phi_name", "Ruth Ekwueme"),
    ("Spoke with Mrs. van der Berg about discharge.", "phi_name", "van der Berg"),
    ("PATIENT: NGUYEN THI HOA", "phi_name", "NGUYEN THI HOA"),
    (
        "Tadeusz Brzęczyszczykiewicz is a 67-year-old man.",
        "phi_name",
        "Tadeusz Brzęczyszczykiewicz",
    ),
    ("Cosigned: Hamish MacLeod, MBChB", "phi_name", "Hamish MacLeod"),
    ("Best wishes,\nDr Anneliese Vogt\nConsultant", "phi_name", "Anneliese Vogt"),
    ("Okafor, Chidi\nDOB 03/04/1950", "phi_name", "Okafor, Chidi"),
    ("Juan Carlos de la Vega Ruiz was admitted.", "phi_name", "Juan Carlos de la Vega Ruiz"),
    ("Radiologist: Hye-jin Park, MD", "phi_name", "Hye-jin Park"),
    ("LAST NAME: ONYEKACHI  FIRST NAME: EMEKA", "phi_name", "ONYEKACHI"),
    ("Biomed (Tobias Krenz, ext. 5521) removed it.", "phi_name", "Tobias Krenz"),
    ("Bartholomew Quist returns 6 weeks after ORIF.", "phi_name", "Bartholomew Quist"),
    # dates
    ("Letter dated the 3rd of May 2024.", "phi_date", "3rd of May 2024"),
    ("Bloods 05/03/25 normal.", "phi_date", "05/03/25"),
    ("Collected 2024-03-05T14:22:00Z.", "phi_date", "2024-03-05"),
    ("Last colonoscopy 03/2019.", "phi_date", "03/2019"),
    ("Mammogram Mar-2023 benign.", "phi_date", "Mar-2023"),
    ("Surgery 5-Mar-24 uneventful.", "phi_date", "5-Mar-24"),
    ("Specimen received 05MAR2024.", "phi_date", "05MAR2024"),
    ("Echo from March '22 showed EF 40%.", "phi_date", "March '22"),
    ("Seen Tues 4/9 in clinic.", "phi_date", "4/9"),
    # ages over 89
    ("94F with hip fracture.", "phi_age", "94"),
    ("Ninety-two-year-old man.", "phi_age", "Ninety-two"),
    ("He turned 90 last week.", "phi_age", "90"),
    ("Mrs Eleanor Whitfield, 91, NOF fracture.", "phi_age", "91"),
    ("93-y-o male", "phi_age", "93"),
    # phones
    ("Call +44 (0)20 7946 0958.", "phi_contact", "+44 (0)20 7946 0958"),
    ("Tel +33 1 42 68 53 00.", "phi_contact", "+33 1 42 68 53 00"),
    ("Cell +91 98765 43210", "phi_contact", "+91 98765 43210"),
    ("Tel: 555 0132", "phi_contact", "555 0132"),
    ("Phone 5551234567", "phi_contact", "5551234567"),
    # record, account, device, vehicle numbers
    ("Hospital No: RX-449182", "phi_id", "RX-449182"),
    ("NHS 485 777 3456", "phi_id", "485 777 3456"),
    ("Patient ID: PT-2024-00871", "phi_id", "PT-2024-00871"),
    ("Ref: 2024/08812", "phi_id", "2024/08812"),
    ("Patient #: 44821", "phi_id", "44821"),
    ("License plate: BD51 SMR", "phi_id", "BD51 SMR"),
    ("MAC address 00:1A:2B:3C:4D:5E", "phi_id", "00:1A:2B:3C:4D:5E"),
    # places
    ("Admitted to Riverside General.", "phi_location", "Riverside General"),
    ("Originally from Kingston, Jamaica.", "phi_location", "Kingston, Jamaica"),
    ("Toronto, ON M5G 1X8", "phi_location", "M5G 1X8"),
    ("Brisbane QLD 4000", "phi_location", "4000"),
    ("PO Box 1123, Helena", "phi_location", "PO Box 1123"),
    ("Taken to Ysbyty Glan Clwyd by ambulance.", "phi_location", "Ysbyty Glan Clwyd"),
    ("Lives with a roommate in Eugene.", "phi_location", "Eugene"),
    ("Brought in by Oakland PD.", "phi_location", "Oakland"),
    ("Lives at Rosewood Care Home, Bath.", "phi_location", "Bath"),
    ("Calle de Alcalá 42, Madrid", "phi_location", "Calle de Alcalá 42"),
    ("RR 3 Box 118, Plainview", "phi_location", "RR 3 Box 118"),
    ("Eircode D02 X285", "phi_location", "D02 X285"),
    ("ul. Marszałkowska 10\n00-950 Warszawa", "phi_location", "00-950"),
    ("Moved to a farm near Cedar Falls.", "phi_location", "Cedar Falls"),
    # written after the first contact with the unseen notes (the categories they showed)
    ("Review on Thursday the 9th.", "phi_date", "Thursday the 9th"),
    ("Call me back on the 21st.", "phi_date", "21st"),
    ("Christmas 2021 was her last trip.", "phi_date", "Christmas 2021"),
    ("She is ninety-six and lives alone.", "phi_age", "ninety-six"),
    ("Login: jdoe_77 attempted access.", "phi_id", "jdoe_77"),
    ("Brought in by Ambulance 12.", "phi_id", "Ambulance 12"),
    ("Plate: KRT 4410", "phi_id", "KRT 4410"),
    ("Crew of the trawler Morning Star.", "phi_id", "Morning Star"),
    ("VPN from fe80::1ff:fe23:4567:890a today.", "phi_contact", "fe80::1ff:fe23:4567:890a"),
    ("hey its rosalind, can u call", "phi_name", "rosalind"),
    ('Robert "Bobby" Kaminski was admitted.', "phi_name", "Bobby"),
    ("Patient (李小龍) arrived with his son.", "phi_name", "李小龍"),
    ("Dr Nguyễn Văn Thành reviewed the film.", "phi_name", "Nguyễn Văn Thành"),
    ("Occupation: retired welder", "phi_profession", "welder"),
]

CLINICAL_PROSE = """\
HISTORY OF PRESENT ILLNESS: The patient is a 67-year-old man with Type 2 Diabetes Mellitus and
Atrial Fibrillation on Apixaban who presents with Shortness of Breath.
1. Parkinson Disease: continue Sinemet. Hoehn and Yahr stage 2. Physical Therapy consult placed.
Physical Exam: Murphy sign negative. Babinski negative, Romberg negative, Glasgow Coma Scale 15.
Gram stain shows Gram Positive Cocci. Invasive Ductal Carcinoma, Nottingham Grade 2. Gleason
score 3+4=7. Breslow thickness 1.2 mm, Clark level IV. Mobitz Type I (Wenckebach) overnight.
Braden score 14, Morse Fall Scale 45. Apgar 8 and 9. Colles fracture, Sugar Tong splint.
Return to the Emergency Department for fever over 101 F. Temp 99 F, HR 92, BP 94/60.
Hospital Course: admitted to the Medicine Service; cleared for Home with Home Health.
Grace period for the prior authorization ended. Will call Insurance tomorrow. Hope to
discharge by Friday. Mark the site before surgery. Bill to Medicare Part B.
Seen at 14:20:33 and again at 09:12. Fracture of the 5th metacarpal. On the 3rd day of
antibiotics. Ninety percent of the time. MAC probe used. Counseling and Coordination of Care.
"""


@pytest.mark.parametrize(("text", "label", "expected"), NEW_TEXT)
def test_identifiers_in_text_the_rules_were_not_written_on(
    text: str, label: str, expected: str
) -> None:
    found = {(c.label, c.text) for c in find_phi(text)}
    assert (label, expected) in found, found


def test_ordinary_clinical_prose_with_eponyms_and_capitals_is_left_alone() -> None:
    assert [(c.rule, c.text) for c in find_phi(CLINICAL_PROSE)] == []


@pytest.mark.parametrize("notes", [NOTES, NOTES / "heldout"], ids=["development", "held-out"])
def test_recall_holds_when_the_people_and_places_are_new(notes: Path) -> None:
    """With the gazetteers emptied of every name and place of the notes, the cues alone
    still reach the recall the issue asks for."""
    scores = measure(notes, blind_rules(notes))
    for kind in ("name", "date", "id", "phone"):
        assert scores.types[kind].recall >= 0.95, (kind, scores.types[kind])
    assert all(s.precision >= 0.9 for s in scores.labels.values()), scores.labels


#: Floors a little under the figures measured on the unseen notes on 2026-12-03 (see
#: tests/data/phi_notes/README.md): a guard against regressions, not a target to tune to.
UNSEEN_FLOORS = {"name": 0.85, "date": 0.95, "id": 0.95, "phone": 0.95, "location": 0.8}


@pytest.mark.skipif(not unseen_is_complete(), reason="the unseen notes are not complete")
def test_the_unseen_notes_do_not_regress() -> None:
    scores = measure(UNSEEN)
    for kind, floor in UNSEEN_FLOORS.items():
        assert scores.types[kind].recall >= floor, (kind, scores.types[kind])
    assert all(s.precision >= 0.9 for s in scores.labels.values()), scores.labels

"""Staff at Westleigh for the alert tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def school(westleigh):
    from tests.factories import GroupFactory, PupilFactory, StaffFactory

    with westleigh:
        form = GroupFactory(name="Class 4", kind="form")
        yield {
            "form": form,
            "recorder": StaffFactory(full_name="Rita Recorder", groups=[form]),
            "class_teacher": StaffFactory(full_name="Colin Class", groups=[form]),
            "other_teacher": StaffFactory(full_name="Olive Other"),
            "slt": StaffFactory(full_name="Sam Senior", role="SLT"),
            "pastoral": StaffFactory(full_name="Pat Pastoral", role="Heads of School"),
            "dsl": StaffFactory(full_name="Dee Lead", role="Safeguarding team"),
            "pupil": PupilFactory(legal_first_name="Zephyrine", legal_last_name="Quarrington",
                                  form=form),
        }  # fmt: skip

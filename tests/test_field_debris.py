"""Fields read up to a leader or a rule, and names misread in their letters' case, wait for a reviewer."""

from __future__ import annotations

import pytest

from pipeline.doctypes import by_key
from pipeline.field_flags import flag_fields
from pipeline.models import FieldValue
from pipeline.validators import check_debris, check_person_name

BOX = (0, 0, 10, 10)


@pytest.mark.parametrize(
    "value",
    ["LÊ PHƯƠNG TUYẾT No Ni _- ¬ ¬", "Thôn 5, xã Gia Viễn .....", "Số 12 phố Huế …", "PHƯỜNG „ BA ĐÌNH", "An :"],
)
def test_leader_and_rule_debris_is_found(value: str) -> None:
    assert check_debris(value) == ["leader_debris"]


@pytest.mark.parametrize(
    "value",
    ["Số 12 - Tổ 3, phường Ba Đình", "Công ty TNHH A & B", "Về việc (sửa đổi) “Ngày hội”", "Số 4/2 ngõ 7", "50%"],
)
def test_printed_punctuation_is_not_debris(value: str) -> None:
    assert check_debris(value) == []


def test_names_are_capitalised_alike() -> None:
    assert check_person_name("Nguyễn Văn An") == [] and check_person_name("NGUYỄN VĂN AN") == []
    assert check_person_name("nguyễn Văn An") == ["name_shape"]
    assert check_person_name("Nguyễn VĂn An") == ["name_shape"]


def test_debris_sends_a_text_field_to_review_and_leaves_formats_alone() -> None:
    fields = {
        "full_name": FieldValue("Lê Phương Tuyết ¬ ¬", None, 0.9, 1, BOX),
        "permanent_address": FieldValue("Số 8 Nguyễn Huệ, thành phố Huế ......", None, 0.9, 1, BOX),
        "current_address": FieldValue("Số 81 Nguyễn Huệ, thành phố Huế", None, 0.9, 1, BOX),
        "personal_id": FieldValue("001099012345", None, 0.9, 1, BOX),
    }
    flag_fields(fields, by_key("residence_confirmation"))
    assert "leader_debris" in fields["full_name"].reasons
    assert fields["permanent_address"].reasons == ["leader_debris"]
    assert fields["permanent_address"].status == "needs_review"
    assert fields["current_address"].reasons == [] and fields["current_address"].status == "extracted"

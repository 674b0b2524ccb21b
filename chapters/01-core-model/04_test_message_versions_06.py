import pytest
from messagebus.service.eventstream import MessageSerializer
from pydantic import ValidationError

from reading_club.domain.legacy_messages import RegisterBookV1
from reading_club.domain.messages import RegisterBook

FROM_AN_OLD_CLIENT = """{
    "id": "019a4f6e-2b7c-7d3e-8f41-5c6d7e8f9a0b",
    "title": "Dune",
    "author": "Frank Herbert",
    "isbn": "9780441013593"
}"""
"""A register_book request as clients sent it before books had several authors."""


def test_both_versions_share_a_name_and_differ_by_schema_version() -> None:
    old = RegisterBookV1.model_validate_json(FROM_AN_OLD_CLIENT)
    serializer = MessageSerializer()

    assert serializer.serialize_message(old)["type"] == "register_book_v1"
    assert serializer.serialize_message(old.upgrade())["type"] == "register_book_v2"


def test_upgrading_makes_the_single_author_a_list() -> None:
    old = RegisterBookV1.model_validate_json(FROM_AN_OLD_CLIENT)

    assert old.upgrade() == RegisterBook(
        id=old.id, title="Dune", authors=["Frank Herbert"], isbn="9780441013593"
    )


def test_upgrading_keeps_the_identity_of_the_message() -> None:
    old = RegisterBookV1.model_validate_json(FROM_AN_OLD_CLIENT)

    new = old.upgrade()

    assert new.message_id == old.message_id
    assert new.created_at == old.created_at


def test_an_old_message_is_validated_as_strictly_as_a_new_one() -> None:
    with pytest.raises(ValidationError) as caught:
        RegisterBookV1.model_validate_json(
            FROM_AN_OLD_CLIENT.replace("Frank Herbert", " ")
        )

    [error] = caught.value.errors()
    assert error["loc"] == ("author",)

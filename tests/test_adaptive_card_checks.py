"""The Adaptive Card check every Teams test runs refuses what Teams would refuse or mishandle:
each rule is shown failing on a card that breaks it (a check that cannot fail checks nothing)."""

from __future__ import annotations

from typing import Any

import pytest

from conversation.blocks import button, buttons, paragraph
from frontends.teams.cards import card_json, draw_message
from tests.adaptive_cards import CARD_LIMIT, card_problems, check_card


def a_card(*body: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "version": "1.5", "body": list(body), **more}


def text(words: str = "Hello") -> dict[str, Any]:
    return {"type": "TextBlock", "text": words, "wrap": True}


def execute(action: str = "done", **more: Any) -> dict[str, Any]:
    return {"type": "Action.Execute", "title": "Done", "verb": action, "data": {"action": action}}


def actions(*items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "ActionSet", "actions": list(items)}


def text_input(input_id: str = "a", **more: Any) -> dict[str, Any]:
    return {"type": "Input.Text", "id": input_id, "label": "A", **more}


def fails(card: dict[str, Any], words: str) -> None:
    problems = card_problems(card)
    assert any(words in p for p in problems), problems
    with pytest.raises(AssertionError):
        check_card(card)


def test_a_drawn_card_passes() -> None:
    card = draw_message(
        "Hi", [paragraph("Hi <@A1>"), buttons([button("Go", "go", "1")])], "Ann".format
    )
    assert card_problems(card_json(card)) == []


def test_the_version_must_be_1_5() -> None:
    fails({**a_card(text()), "version": "1.6"}, "must be 1.5")
    fails({"type": "AdaptiveCard", "body": []}, "must be 1.5")


def test_an_unknown_type_is_caught() -> None:
    fails(a_card({"type": "TextBlok", "text": "x"}), "unknown type 'TextBlok'")
    fails(a_card(actions({"type": "Action.Http", "title": "x"})), "unknown type 'Action.Http'")


def test_a_misspelt_property_is_caught() -> None:
    """The models serialise unknown keyword arguments silently: `isMultiline` misspelt."""
    fails(a_card(text_input(isMultiLine=True)), "has no property isMultiLine")
    fails(a_card({**text(), "wrapp": True}), "has no property wrapp")


def test_a_value_its_model_refuses_is_caught() -> None:
    fails(a_card({**text(), "size": "Huge"}), "size")
    fails(a_card(actions({**execute(), "style": "danger"})), "style")


def test_required_properties_are_checked() -> None:
    fails(a_card({"type": "TextBlock"}), "TextBlock needs text")
    fails(a_card({"type": "Input.Text", "label": "A"}), "an input needs an id")
    fails(a_card(actions({"type": "Action.OpenUrl", "title": "Open"})), "needs url")
    fails(a_card({"type": "Input.ChoiceSet", "id": "c"}), "needs choices")


def test_input_ids_must_be_unique() -> None:
    fails(a_card(text_input("when"), text_input("when")), "input id must be unique")


def test_action_ids_must_be_unique_where_set() -> None:
    one = {**execute(), "id": "x"}
    fails(a_card(actions(one, {**execute("undo"), "id": "x"})), "action id must be unique")


def test_execute_and_submit_actions_name_their_handler() -> None:
    fails(a_card(actions({"type": "Action.Execute", "title": "Go", "data": {}})), 'data["action"]')
    fails(a_card(actions({**execute(), "verb": "other"})), "verb must be its data's action")
    fails(a_card(actions({"type": "Action.Submit", "title": "Go"})), 'data["action"]')


def test_a_card_over_28_kb_is_caught() -> None:
    fails(a_card(*[text("x" * 1000)] * 30), f"over Teams' {CARD_LIMIT}")


def test_mentions_need_their_entities_both_ways() -> None:
    fails(a_card(text("Hi <at>Ann</at>")), "no mention entity for <at>Ann</at>")
    entity = {"type": "mention", "text": "<at>Bob</at>", "mentioned": {"id": "1", "name": "Bob"}}
    fails(a_card(text("Hi"), msteams={"entities": [entity]}), "which no text shows")


def test_choices_and_their_value_are_checked() -> None:
    choice_set = {
        "type": "Input.ChoiceSet",
        "id": "c",
        "choices": [{"title": "A", "value": "a"}, {"title": "B", "value": "a"}],
        "value": "z",
    }
    fails(a_card(choice_set), "repeated: a")
    fails(a_card(choice_set), "is not one of its choices")


def test_a_show_card_is_checked_inside() -> None:
    inner = a_card({"type": "TextBlock"})
    show = {"type": "Action.ShowCard", "title": "Sure?", "card": inner}
    fails(a_card(actions(show)), "TextBlock needs text")

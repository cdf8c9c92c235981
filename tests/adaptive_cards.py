"""Every card Buddy draws for Teams is checked as Teams would take it (tests/block_kit.py's twin).

`microsoft_teams.cards` builds cards from pydantic models that accept any keyword argument
(`extra="allow"`): a misspelt property is serialised silently and ignored by Teams. So the drawn
JSON is walked here: every object's type is one Adaptive Cards 1.5 knows, every property is one
its model names, every value its model accepts (enums), required properties are present, input
ids are unique in the card (Teams would merge their answers), action ids too where set, every
button Buddy handles says which handler (`data["action"]`), every `<at>` tag has its mention
entity (and every entity its tag), the version is 1.5 and the JSON is within Teams' 28 KB."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from microsoft_teams.cards import core
from pydantic import BaseModel, ValidationError

VERSION = "1.5"
# "The message size limit is about 28 KB" (Teams: bots' rate limiting and message limits);
# the card must leave room for the activity around it.
CARD_LIMIT = 28_000

ELEMENTS = {
    "TextBlock",
    "RichTextBlock",
    "Image",
    "ImageSet",
    "Media",
    "FactSet",
    "Container",
    "ColumnSet",
    "ActionSet",
    "Table",
    "Input.Text",
    "Input.Number",
    "Input.Date",
    "Input.Time",
    "Input.Toggle",
    "Input.ChoiceSet",
}
ACTIONS = {
    "Action.OpenUrl",
    "Action.Submit",
    "Action.ShowCard",
    "Action.ToggleVisibility",
    "Action.Execute",
}
# What each kind cannot do without (the Adaptive Cards schema's required properties).
REQUIRED = {
    "AdaptiveCard": ("version",),
    "TextBlock": ("text",),
    "Image": ("url",),
    "ColumnSet": ("columns",),
    "Container": ("items",),
    "ActionSet": ("actions",),
    "FactSet": ("facts",),
    "Action.OpenUrl": ("url",),
    "Action.ShowCard": ("card",),
}
INPUT = "Input."
AT_TAG = re.compile(r"<at>(.*?)</at>")


def _models() -> dict[str, type[BaseModel]]:
    """Each `type` the models can write, and the model that writes it."""
    found: dict[str, type[BaseModel]] = {}
    for model in vars(core).values():
        if isinstance(model, type) and issubclass(model, core.SerializableObject):
            kind = model.model_fields.get("type")
            if kind is not None and isinstance(kind.default, str):
                found[kind.default] = model
    return found


MODELS = _models()


def _keys(model: type[BaseModel]) -> set[str]:
    keys = {f.serialization_alias or name for name, f in model.model_fields.items()}
    return keys | ({"$schema"} if model is core.AdaptiveCard else set())


class _Walk:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.input_ids: list[str] = []
        self.action_ids: list[str] = []
        self.texts: list[str] = []

    def fail(self, where: str, what: str) -> None:
        self.problems.append(f"{where}: {what}")

    def known(self, where: str, obj: Any, model: type[BaseModel]) -> None:
        """Properties its model names (no misspelt ones), and values it accepts."""
        if not isinstance(obj, dict):
            self.fail(where, f"must be an object, not {obj!r:.60}")
            return
        unknown = sorted(set(obj) - _keys(model))
        if unknown:
            self.fail(where, f"{model.__name__} has no property {', '.join(unknown)}")
        try:
            model.model_validate(obj)
        except ValidationError as error:
            for e in error.errors():
                place = ".".join(str(p) for p in e["loc"])
                self.fail(f"{where}.{place}", e["msg"])

    def typed(self, where: str, obj: Any, allowed: set[str]) -> str | None:
        kind = obj.get("type") if isinstance(obj, dict) else None
        if kind not in allowed or kind not in MODELS:
            self.fail(where, f"unknown type {kind!r} (Adaptive Cards 1.5 in Teams)")
            return None
        self.known(where, obj, MODELS[kind])
        for prop in REQUIRED.get(kind, ()):
            if obj.get(prop) in (None, "", []):
                self.fail(where, f"{kind} needs {prop}")
        return str(kind)

    def card(self, where: str, card: Any) -> None:
        if not isinstance(card, dict) or card.get("type") != "AdaptiveCard":
            self.fail(where, "must be an AdaptiveCard")
            return
        self.known(where, card, core.AdaptiveCard)
        if card.get("version") != VERSION:
            self.fail(f"{where}.version", f"must be {VERSION}, not {card.get('version')!r}")
        if "msteams" in card:
            self.known(f"{where}.msteams", card["msteams"], core.TeamsCardProperties)
        self.elements(f"{where}.body", card.get("body") or [])
        self.actions(f"{where}.actions", card.get("actions") or [])

    def elements(self, where: str, elements: Any) -> None:
        if not isinstance(elements, list):
            self.fail(where, "must be a list")
            return
        for i, element in enumerate(elements):
            self.element(f"{where}[{i}]", element)

    def element(self, where: str, element: Any) -> None:
        kind = self.typed(where, element, ELEMENTS)
        if kind is None:
            return
        if kind == "TextBlock":
            self.texts.append(str(element.get("text", "")))
        elif kind == "Container":
            self.elements(f"{where}.items", element.get("items"))
        elif kind == "ColumnSet":
            for j, column in enumerate(element.get("columns") or []):
                at = f"{where}.columns[{j}]"
                self.known(at, column, core.Column)
                if isinstance(column, dict):
                    self.elements(f"{at}.items", column.get("items") or [])
        elif kind == "ActionSet":
            self.actions(f"{where}.actions", element.get("actions"))
        elif kind.startswith(INPUT):
            self.input(where, kind, element)

    def input(self, where: str, kind: str, element: dict[str, Any]) -> None:
        if not element.get("id"):
            self.fail(where, "an input needs an id, or its answer is never sent")
        else:
            self.input_ids.append(str(element["id"]))
        if kind != "Input.ChoiceSet":
            return
        choices = element.get("choices")
        if choices is None and "choices.data" not in element:
            self.fail(where, "a choice set needs choices (or choices.data)")
        for j, choice in enumerate(choices or []):
            self.known(f"{where}.choices[{j}]", choice, core.Choice)
            if not (isinstance(choice, dict) and choice.get("title") and "value" in choice):
                self.fail(f"{where}.choices[{j}]", "a choice needs a title and a value")
        if "choices.data" in element:
            self.known(f"{where}.choices.data", element["choices.data"], core.QueryData)
        values = [str(c.get("value")) for c in choices or [] if isinstance(c, dict)]
        repeated = sorted(v for v, n in Counter(values).items() if n > 1)
        if repeated:
            self.fail(where, f"choice values must differ, repeated: {', '.join(repeated)}")
        if "value" in element and values and "choices.data" not in element:
            chosen = (
                str(element["value"]).split(",")
                if element.get("isMultiSelect")
                else [str(element["value"])]
            )
            if any(v not in values for v in chosen):
                self.fail(f"{where}.value", f"{element['value']!r} is not one of its choices")

    def actions(self, where: str, actions: Any) -> None:
        if not isinstance(actions, list):
            self.fail(where, "must be a list")
            return
        for i, action in enumerate(actions):
            self.action(f"{where}[{i}]", action)

    def action(self, where: str, action: Any) -> None:
        kind = self.typed(where, action, ACTIONS)
        if kind is None:
            return
        if action.get("id"):
            self.action_ids.append(str(action["id"]))
        if not action.get("title"):
            self.fail(where, "a button needs a title")
        data = action.get("data")
        if kind == "Action.Execute":
            if not (isinstance(data, dict) and isinstance(data.get("action"), str)):
                self.fail(where, 'an Execute action must carry data["action"], its handler')
            elif action.get("verb") != data["action"]:
                self.fail(where, "its verb must be its data's action")
        elif kind == "Action.Submit":
            if not (isinstance(data, dict) and isinstance(data.get("action"), str)):
                self.fail(where, 'a Submit action must carry data["action"], its handler')
            elif data.get("msteams", {}).get("type") == "task/fetch" and not data.get("dialog_id"):
                self.fail(where, "a dialog's opener must name its dialog_id")
        elif kind == "Action.ShowCard":
            self.card(f"{where}.card", action.get("card"))


def card_problems(card: dict[str, Any]) -> list[str]:
    """What Teams would refuse or mishandle in a drawn card, in words (empty: none)."""
    walk = _Walk()
    walk.card("card", card)
    for what, ids in (("input id", walk.input_ids), ("action id", walk.action_ids)):
        repeated = sorted(v for v, n in Counter(ids).items() if n > 1)
        if repeated:
            walk.fail("card", f"each {what} must be unique, repeated: {', '.join(repeated)}")
    size = len(json.dumps(card))
    if size > CARD_LIMIT:
        walk.fail("card", f"{size} bytes of JSON, over Teams' {CARD_LIMIT}")
    entities = (card.get("msteams") or {}).get("entities") or []
    tagged = {m.group(0) for text in walk.texts for m in AT_TAG.finditer(text)}
    named = {e.get("text") for e in entities if isinstance(e, dict)}
    for tag in sorted(tagged - named):
        walk.fail("card.msteams.entities", f"no mention entity for {tag}")
    for tag in sorted(str(t) for t in named - tagged):
        walk.fail("card.msteams.entities", f"an entity for {tag}, which no text shows")
    for i, entity in enumerate(entities):
        walk.known(f"card.msteams.entities[{i}]", entity, core.Mention)
        mentioned = entity.get("mentioned") if isinstance(entity, dict) else None
        if not (isinstance(mentioned, dict) and mentioned.get("id") and mentioned.get("name")):
            walk.fail(f"card.msteams.entities[{i}]", "a mention needs the person's id and name")
    return walk.problems


def check_card(card: dict[str, Any] | core.AdaptiveCard) -> dict[str, Any]:
    """Fails the test if Teams would refuse or mishandle the card; returns its JSON."""
    drawn = card.model_dump(exclude_none=True) if isinstance(card, core.AdaptiveCard) else card
    problems = card_problems(drawn)
    assert not problems, "Teams would refuse or mishandle this card:\n" + "\n".join(problems)
    return drawn

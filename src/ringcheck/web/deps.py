"""Typed dependencies for the routes: what ``create_app`` set up, by name and type.

A route asks for what it needs (``settings: SettingsDep``, ``store: StoreDep``) instead of
reaching into ``request.app.state``; every value here is made once per app, in
``create_app``, never lazily by a route. Helpers that hold only the request read the
same values with the ``*_of`` readers.
"""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Request

from ringcheck.settings import Settings
from ringcheck.store import Store
from ringcheck.web.answers import CheckAnswers, PhoneAnswers
from ringcheck.web.cache import TimedCache
from ringcheck.web.community import CommunityCache
from ringcheck.web.livecampaigns import LiveCampaigns
from ringcheck.web.signin import SignInGuard

T = TypeVar("T")
RangeIndex = TimedCache[str, dict[str, list[str]]]


class _Reader(Generic[T]):
    """Reads ``app.state.<name>``, the value ``create_app`` put there."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, request: Request) -> T:
        value: T = getattr(request.app.state, self.name)
        return value


settings_of: _Reader[Settings] = _Reader("settings")
store_of: _Reader[Store] = _Reader("store")
community_of: _Reader[CommunityCache] = _Reader("community")
sign_in_of: _Reader[SignInGuard] = _Reader("sign_in")
check_answers_of: _Reader[CheckAnswers] = _Reader("check_answers")
phone_answers_of: _Reader[PhoneAnswers] = _Reader("phone_answers")
range_index_of: _Reader[RangeIndex] = _Reader("range_index")
campaigns_of: _Reader[LiveCampaigns] = _Reader("campaigns")


def client_of(request: Request) -> str:
    """The address the request came from ("unknown" when the server can't say)."""
    return request.client.host if request.client else "unknown"


SettingsDep = Annotated[Settings, Depends(settings_of)]
StoreDep = Annotated[Store, Depends(store_of)]
CommunityDep = Annotated[CommunityCache, Depends(community_of)]
SignInDep = Annotated[SignInGuard, Depends(sign_in_of)]
CheckAnswersDep = Annotated[CheckAnswers, Depends(check_answers_of)]
PhoneAnswersDep = Annotated[PhoneAnswers, Depends(phone_answers_of)]
RangeIndexDep = Annotated[RangeIndex, Depends(range_index_of)]
CampaignsDep = Annotated[LiveCampaigns, Depends(campaigns_of)]
ClientDep = Annotated[str, Depends(client_of)]

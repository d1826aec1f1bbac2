"""Typed dependencies for the routes: what ``create_app`` set up, by name and type.

A route asks for what it needs (``settings: SettingsDep``, ``store: StoreDep``) instead of
reaching into ``request.app.state``; every value here is made once per app, in
``create_app``, never lazily by a route.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ringcheck.settings import Settings
from ringcheck.store import Store
from ringcheck.web.cache import TimedCache
from ringcheck.web.community import CommunityCache
from ringcheck.web.signin import SignInGuard

RangeIndex = TimedCache[str, dict[str, list[str]]]


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def store_of(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def community_of(request: Request) -> CommunityCache:
    cache: CommunityCache = request.app.state.community
    return cache


def sign_in_of(request: Request) -> SignInGuard:
    guard: SignInGuard = request.app.state.sign_in
    return guard


def range_index_of(request: Request) -> RangeIndex:
    index: RangeIndex = request.app.state.range_index
    return index


def client_of(request: Request) -> str:
    """The address the request came from ("unknown" when the server can't say)."""
    return request.client.host if request.client else "unknown"


SettingsDep = Annotated[Settings, Depends(settings_of)]
StoreDep = Annotated[Store, Depends(store_of)]
CommunityDep = Annotated[CommunityCache, Depends(community_of)]
SignInDep = Annotated[SignInGuard, Depends(sign_in_of)]
RangeIndexDep = Annotated[RangeIndex, Depends(range_index_of)]
ClientDep = Annotated[str, Depends(client_of)]

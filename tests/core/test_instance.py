"""Instance parsing: what users type, what is rejected and why, and properties over any text."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snow_wizard.core.instance import (
    Instance,
    is_loopback_host,
    parse_endpoint_url,
    parse_instance,
    suggest_profile_name,
)
from snow_wizard.errors import InstanceError, UsageError


@pytest.mark.parametrize(
    ("typed", "base_url"),
    [
        ("acme", "https://acme.service-now.com"),
        ("acme.service-now.com", "https://acme.service-now.com"),
        ("https://acme.service-now.com/", "https://acme.service-now.com"),
        ("  https://ACME.service-now.com/now/nav/ui  ", "https://acme.service-now.com"),
        ("https://acme.service-now.com/nav_to.do?uri=incident.do#x", "https://acme.service-now.com"),
        ("snow.example.com", "https://snow.example.com"),
        ("https://snow.example.com:8443/path", "https://snow.example.com:8443"),
        ("https://snow.example.com:443", "https://snow.example.com"),
        ("\tacme-dev\n", "https://acme-dev.service-now.com"),
        ("localhost:8080", "http://localhost:8080"),
        ("127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
        ("https://127.0.0.1:8443", "https://127.0.0.1:8443"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("http://localhost", "http://localhost"),
        ("bücher.example", "https://xn--bcher-kva.example"),
    ],
)
def test_accepted_forms(typed: str, base_url: str) -> None:
    assert parse_instance(typed).base_url == base_url


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("http://acme.service-now.com", "http:// is allowed only for 127.0.0.1 / localhost"),
        ("acme corp", "'acme corp' contains a space"),
        ("ftp://acme.service-now.com", "must start with https://"),
        ("https://user:pw@acme.service-now.com", "Don't put a user name or password"),
        ("acme:8443", "tenant names take no port"),
        ("https://acme.service-now.com:99999", "the port must be a number from 1 to 65535"),
        ("https://acme.service-now.com:0", "Port 0"),
        ("https://a..b.com", "empty part between dots"),
        ("https://-acme.com", "is not a valid part of a host name"),
        ("https://ac_me.com", "contains '_'"),
        ("", "Enter the instance"),
        ("   ", "Enter the instance"),
        ("https://", "has no host name"),
        ("https://1.2.3.4.5", "not a valid IP address"),
        ("acme\x00", "control character"),
        ("x" * 3000, "too long"),
    ],
)
def test_rejections_say_what_is_wrong(typed: str, says: str) -> None:
    with pytest.raises(InstanceError) as info:
        parse_instance(typed)
    assert says in info.value.message
    assert info.value.exit_status == 2
    assert isinstance(info.value, UsageError)


def test_http_rejection_hints_the_https_url() -> None:
    with pytest.raises(InstanceError) as info:
        parse_instance("http://snow.example.com:8080/x")
    assert info.value.hint == "Use https://snow.example.com:8080 instead."


@pytest.mark.parametrize(
    "typed",
    ["https://admin:Sup3rS3cret@acme.service-now.com x", "admin:Sup3rS3cret@acme :99999999"],
)
def test_a_password_typed_into_the_url_is_never_echoed(typed: str) -> None:
    with pytest.raises(InstanceError) as info:
        parse_instance(typed)
    assert "Sup3rS3cret" not in info.value.message
    assert "Sup3rS3cret" not in info.value.hint


def test_derived_endpoints() -> None:
    inst = parse_instance("acme")
    assert inst.tenant == "acme"
    assert inst.authorize_url == "https://acme.service-now.com/oauth_auth.do"
    assert inst.token_url == "https://acme.service-now.com/oauth_token.do"
    assert inst.revoke_url == "https://acme.service-now.com/oauth_revoke_token.do"
    assert inst.app_registry_url == "https://acme.service-now.com/oauth_entity_list.do"
    assert inst.url("/api/now/table/incident") == "https://acme.service-now.com/api/now/table/incident"
    assert parse_instance("snow.example.com").tenant is None
    assert str(inst) == inst.base_url


def test_loopback_and_suggested_names() -> None:
    assert is_loopback_host("localhost") and is_loopback_host("127.0.0.5")
    assert is_loopback_host("[::1]") and not is_loopback_host("example.com")
    assert suggest_profile_name(parse_instance("acme")) == "acme"
    assert suggest_profile_name(parse_instance("127.0.0.1:8080")) == "sandbox"
    assert suggest_profile_name(parse_instance("snow.example.com")) == "snow"


def test_endpoint_urls_keep_the_path_and_follow_the_scheme_rule() -> None:
    assert (
        parse_endpoint_url("https://gw.example.com/snow/oauth_token.do")
        == "https://gw.example.com/snow/oauth_token.do"
    )
    assert parse_endpoint_url("http://127.0.0.1:9000") == "http://127.0.0.1:9000/"
    for bad in ("gw.example.com/token", "http://gw.example.com/token", "https://gw/x?a=b"):
        with pytest.raises(InstanceError):
            parse_endpoint_url(bad, what="token URL")


# --- properties -------------------------------------------------------------------------------


def _assert_valid(inst: Instance) -> None:
    url = inst.base_url
    parts = urlsplit(url)
    assert parts.scheme in ("http", "https")
    if parts.scheme == "http":
        assert is_loopback_host(parts.hostname or "")
    assert parts.hostname and parts.path == "" and not parts.query and not parts.fragment
    assert parts.username is None and parts.password is None
    assert not any(ch.isspace() for ch in url)
    httpx_url = httpx2.URL(url)  # an HTTP client accepts it as it is
    assert httpx_url.scheme == parts.scheme
    assert parse_instance(url) == inst  # normalised: parsing the result again changes nothing


URLISH = st.text(
    alphabet=st.sampled_from([*"abcdeAZ019-._:/@?#[]% \t\n", "ü", "\x00", "。", "ß"]),
    max_size=40,
)


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.one_of(st.text(max_size=80), URLISH, st.from_regex(r"\A(https?://)?[a-z0-9.:-]{0,30}/?\Z")))
def test_any_text_is_accepted_as_a_valid_url_or_rejected_with_instance_error(text: str) -> None:
    try:
        inst = parse_instance(text)
    except InstanceError as e:
        assert e.message  # says something
        return
    _assert_valid(inst)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80) | URLISH)
def test_endpoint_urls_never_raise_anything_else(text: str) -> None:
    try:
        url = parse_endpoint_url(text)
    except InstanceError:
        return
    parts = urlsplit(url)
    assert parts.scheme == "https" or is_loopback_host(parts.hostname or "")
    assert parts.hostname


LABEL = st.from_regex(r"\A[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?\Z")


@settings(max_examples=200, deadline=None)
@given(LABEL, st.sampled_from(["", " ", "/", "/now/nav/ui", "/?x=1"]), st.booleans())
def test_every_tenant_name_becomes_its_service_now_url(tenant: str, tail: str, upper: bool) -> None:
    if tenant.isdigit():
        return  # all-digit names are IP-address-like: covered by the examples
    typed = f"https://{tenant.upper() if upper else tenant}.service-now.com{tail}"
    assert parse_instance(typed).base_url == f"https://{tenant}.service-now.com"
    assert parse_instance(tenant).base_url == f"https://{tenant}.service-now.com"

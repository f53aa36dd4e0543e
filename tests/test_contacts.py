"""Issue 17 items 5 and 8: units' duty phones and contact people (validated Chinese numbers, audited
writes from the admin and the contacts page) and the read-only roster API for the command."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from events.models import AuditEntry
from units.models import Contact, Unit
from units.phones import normalize_cn_phone, validate_cn_phone
from units.services import contact_delete, contact_save, unit_duty_phone_set

pytestmark = pytest.mark.django_db


# --- Phone numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "stored"), [
    ("13912345678", "139-1234-5678"),
    ("+86 139 1234 5678", "139-1234-5678"),
    ("023-45678901", "023-4567-8901"),
    ("(023) 4567 8901", "023-4567-8901"),
    ("010-87654321", "010-8765-4321"),
])
def test_chinese_mobiles_and_landlines_with_area_code_are_stored_in_one_form(typed, stored):
    assert normalize_cn_phone(typed) == stored


@pytest.mark.parametrize("typed", [
    "12345678901",     # mobiles start 1[3-9]
    "1391234567",      # ten digits
    "45678901",        # a landline without its area code
    "023-0000-1234",   # local numbers never start with 0 (trunk prefix)
    "023-1000-1234",   # ... nor with 1 (mobile and service codes)
    "+1 212 555 0100",  # not a Chinese number
    "12345",           # the government hotline is not a person's phone
    "400-123-4567",    # a shared-cost service number
    "call me",
])
def test_what_is_not_a_chinese_mobile_or_landline_is_refused(typed):
    with pytest.raises(ValidationError) as caught:
        validate_cn_phone(typed)
    assert caught.value.code == "invalid_phone"


# --- Services ------------------------------------------------------------------------------------


def test_office_sets_a_duty_phone_normalised_and_audited(office, roster):
    unit = unit_duty_phone_set(actor=office, unit=roster["education"], phone="023 4767 0001")
    assert Unit.objects.get(pk=unit.pk).duty_phone == "023-4767-0001"
    entry = AuditEntry.objects.get(target_type="unit", target_id=unit.pk, action="duty_phone_set")
    assert (entry.actor, entry.data) == (office, {"from": "", "to": "023-4767-0001"})


def test_setting_the_same_duty_phone_again_writes_no_audit_entry(office, roster):
    unit_duty_phone_set(actor=office, unit=roster["education"], phone="023-4767-0001")
    unit_duty_phone_set(actor=office, unit=roster["education"], phone="02347670001")
    assert AuditEntry.objects.filter(action="duty_phone_set").count() == 1


def test_an_invalid_duty_phone_changes_nothing(office, roster):
    with pytest.raises(ValidationError):
        unit_duty_phone_set(actor=office, unit=roster["education"], phone="023-0000-0001")
    assert Unit.objects.get(pk=roster["education"].pk).duty_phone == ""
    assert not AuditEntry.objects.filter(action="duty_phone_set").exists()


@pytest.mark.parametrize("persona", ["leader", "member"])
def test_leaders_and_unit_members_may_not_edit_contacts(request, persona, roster):
    actor = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        unit_duty_phone_set(actor=actor, unit=roster["education"], phone="023-4767-0001")
    with pytest.raises(PermissionDenied):
        contact_save(actor=actor, unit=roster["education"], name="张三", phone="13900000001")
    assert not Contact.objects.exists()


def test_contact_people_are_added_changed_and_removed_with_an_audit_entry_each(office, roster):
    contact = contact_save(actor=office, unit=roster["education"], name=" 张老师 ", position="安全科科长",
                           phone="13900000001")
    assert (contact.name, contact.phone) == ("张老师", "139-0000-0001")
    contact_save(actor=office, unit=roster["education"], contact=contact, name="张老师", position="安全科科长",
                 phone="13900000002")
    assert Contact.objects.get(pk=contact.pk).phone == "139-0000-0002"
    pk = contact.pk
    contact_delete(actor=office, contact=contact)
    assert not Contact.objects.filter(pk=pk).exists()
    actions = list(AuditEntry.objects.filter(target_type="contact", target_id=pk).order_by("id").values_list("action", flat=True))
    assert actions == ["contact_add", "contact_change", "contact_delete"]


def test_a_contact_cannot_be_moved_through_another_units_form(office, roster):
    contact = contact_save(actor=office, unit=roster["education"], name="张老师", phone="13900000001")
    with pytest.raises(ValidationError):
        contact_save(actor=office, unit=roster["public-security"], contact=contact, name="x", phone="13900000001")
    assert Contact.objects.get(pk=contact.pk).unit_id == roster["education"].pk


def test_a_contact_needs_a_valid_phone(office, roster):
    with pytest.raises(ValidationError) as caught:
        contact_save(actor=office, unit=roster["education"], name="张老师", phone="1390000000")
    assert "phone" in caught.value.message_dict
    assert not Contact.objects.exists()


# --- Roster API ----------------------------------------------------------------------------------


def _with_contacts(office, roster):
    unit_duty_phone_set(actor=office, unit=roster["education"], phone="023-4767-0001")
    contact_save(actor=office, unit=roster["education"], name="张老师", position="安全科", phone="13900000001")


@pytest.mark.parametrize("persona", ["office", "leader", "admin_user"])
def test_the_command_and_the_roster_admin_list_every_unit(request, persona, roster, api_as):
    answer = api_as(request.getfixturevalue(persona)).get("/api/units/")
    assert answer.status_code == 200
    assert answer.json()["count"] == Unit.objects.count() == len(roster)
    first = answer.json()["results"][0]
    assert set(first) == {"id", "code", "kind", "name", "name_en", "duty_phone", "active", "order"}


def test_a_unit_member_may_not_read_the_roster_api(member, api_as):
    assert api_as(member).get("/api/units/").status_code == 403
    assert api_as(member).get(f"/api/units/{member.unit_id}/").status_code == 403


def test_an_anonymous_caller_is_told_to_authenticate(roster):
    answer = APIClient().get("/api/units/")
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"] == "Token"


def test_an_integration_token_of_the_office_reads_a_unit_with_its_duties_and_contacts(office, roster):
    _with_contacts(office, roster)
    token = Token.objects.create(user=office)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    answer = client.get(f"/api/units/{roster['education'].pk}/")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["code"], body["duty_phone"], body["active"]) == ("education", "023-4767-0001", True)
    assert [d["order"] for d in body["duties"]] == sorted(d["order"] for d in body["duties"]) and body["duties"]
    assert body["contacts"] == [{"id": Contact.objects.get().pk, "name": "张老师", "position": "安全科",
                                 "phone": "139-0000-0001", "note": "", "order": 0}]


def test_the_roster_api_filters_by_kind_and_active_and_pages(office, roster, api_as):
    Unit.objects.filter(code="street-jijiang").update(active=False)
    client = api_as(office)
    towns = client.get("/api/units/?kind=township").json()
    assert towns["count"] == 30 and {u["kind"] for u in towns["results"]} == {"township"}
    inactive = client.get("/api/units/?active=false").json()
    assert [u["code"] for u in inactive["results"]] == ["street-jijiang"]
    page = client.get("/api/units/?limit=5&offset=5").json()
    assert len(page["results"]) == 5 and page["next"] and page["previous"]
    assert client.get("/api/units/?kind=planet").status_code == 400


def test_the_roster_api_is_read_only(office, api_as):
    assert api_as(office).post("/api/units/", {"code": "x"}, format="json").status_code == 405
    assert api_as(office).delete(f"/api/units/{office.unit_id}/").status_code == 405


def test_unit_detail_queries_do_not_grow_with_contacts(office, roster, api_as, django_assert_max_num_queries):
    client = api_as(office)
    for i in range(5):
        contact_save(actor=office, unit=roster["education"], name=f"联系人{i}", phone=f"1390000000{i}")
    with django_assert_max_num_queries(6):
        assert client.get(f"/api/units/{roster['education'].pk}/").status_code == 200


# --- Pages ---------------------------------------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_contacts_page_shows_every_active_unit_to_a_leader_without_edit_links(leader, office, roster):
    _with_contacts(office, roster)
    page = _client(leader).get("/units/contacts/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert page.status_code == 200
    assert "023-4767-0001" in html and "张老师" in html and "139-0000-0001" in html
    assert html.count('data-unit="') == Unit.objects.filter(active=True).count()
    assert f"/units/{roster['education'].pk}/contacts/" not in html


def test_a_unit_member_may_not_see_the_contacts_page(member):
    assert _client(member).get("/units/contacts/").status_code == 403


def test_the_office_edits_a_units_contacts_on_the_page(office, roster):
    unit = roster["education"]
    client = _client(office)
    url = f"/units/{unit.pk}/contacts/"
    assert client.get(url).status_code == 200
    form = {
        "duty_phone": "023 4767 0002",
        "contacts-TOTAL_FORMS": "2", "contacts-INITIAL_FORMS": "0", "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "1000",
        "contacts-0-order": "1", "contacts-0-name": "李主任", "contacts-0-position": "办公室主任",
        "contacts-0-phone": "13900000003", "contacts-0-note": "",
        "contacts-1-order": "0", "contacts-1-name": "", "contacts-1-position": "", "contacts-1-phone": "",
        "contacts-1-note": "",
    }
    answer = client.post(url, form)
    assert answer.status_code == 302, [answer.context["phone_form"].errors, answer.context["formset"].errors]
    assert Unit.objects.get(pk=unit.pk).duty_phone == "023-4767-0002"
    assert list(Contact.objects.filter(unit=unit).values_list("name", "phone")) == [("李主任", "139-0000-0003")]
    assert AuditEntry.objects.filter(action__in=["duty_phone_set", "contact_add"], actor=office).count() == 2


def test_a_bad_number_on_the_page_is_a_form_message_and_changes_nothing(office, roster):
    unit = roster["education"]
    form = {
        "duty_phone": "023-4767-0002",
        "contacts-TOTAL_FORMS": "1", "contacts-INITIAL_FORMS": "0", "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "1000",
        "contacts-0-order": "0", "contacts-0-name": "李主任", "contacts-0-phone": "023-0000-0000",
    }
    answer = _client(office).post(f"/units/{unit.pk}/contacts/", form, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 200
    assert "Enter a Chinese mobile number" in answer.content.decode()
    assert Unit.objects.get(pk=unit.pk).duty_phone == ""
    assert not Contact.objects.exists()


def test_a_leader_may_not_edit_contacts_on_the_page(leader, roster):
    assert _client(leader).post(f"/units/{roster['education'].pk}/contacts/", {}).status_code == 403


# --- Admin ---------------------------------------------------------------------------------------


def test_the_admin_writes_contacts_through_the_audited_services(admin_user, roster):
    unit = roster["education"]
    client = _client(admin_user)
    page = client.get(f"/admin/units/unit/{unit.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form.initial.get(name, "") for name in form.fields}
    data.update({"duty_phone": "023-4767-0009", "active": "on"})
    for prefix, formset in ((fs.formset.prefix, fs.formset) for fs in page.context["inline_admin_formsets"]):
        data.update({f"{prefix}-TOTAL_FORMS": str(formset.total_form_count() + (1 if formset.model is Contact else 0)),
                     f"{prefix}-INITIAL_FORMS": str(formset.initial_form_count()),
                     f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
        for i, inline in enumerate(formset.initial_forms):
            for name, field in inline.fields.items():
                value = inline.initial.get(name, "")
                data[f"{prefix}-{i}-{name}"] = getattr(value, "pk", value) if value is not None else ""
            data[f"{prefix}-{i}-id"] = inline.instance.pk
            data[f"{prefix}-{i}-unit"] = unit.pk
        if formset.model is Contact:
            n = formset.total_form_count()
            data.update({f"{prefix}-{n}-order": "0", f"{prefix}-{n}-name": "王科长", f"{prefix}-{n}-phone": "13900000004",
                         f"{prefix}-{n}-unit": unit.pk})
    answer = client.post(f"/admin/units/unit/{unit.pk}/change/", data)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    assert Unit.objects.get(pk=unit.pk).duty_phone == "023-4767-0009"
    assert Contact.objects.get(unit=unit).phone == "139-0000-0004"
    assert set(AuditEntry.objects.filter(actor=admin_user).values_list("action", flat=True)) == {"duty_phone_set", "contact_add"}


def test_load_demo_gives_every_unit_a_fake_duty_phone_and_contact_once(roster):
    from django.core.management import call_command

    call_command("load_demo", stdout=open("/dev/null", "w"))
    call_command("load_demo", stdout=open("/dev/null", "w"))
    units = Unit.objects.order_by("order", "code")
    assert [u.duty_phone for u in units] == [f"023-5550-{i:04d}" for i in range(1, len(units) + 1)]
    assert Contact.objects.count() == len(units)
    assert set(Contact.objects.values_list("name", flat=True)) == {"（示例）联络员"}

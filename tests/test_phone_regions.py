"""A national number becomes E.164 only in a region where it is a number (valid; or
possible and not beginning with the country code); otherwise it is kept as typed with its
digits as the match key, never turned into another country's number. A row's or a
company's own country picks the region. Extensions are kept in the text, left out of
the number."""
import pytest

from db import validate
from db.models import ContactPhone
from db.services import companies, contacts
from db.services import views
from importers.pipeline import import_file

US = 'timezone = "America/New_York"\nphone_region = "US"\ncurrency = "USD"\nowner = "sam"\n'
NO_REGION = 'timezone = "Asia/Shanghai"\ncurrency = "CNY"\nowner = "sam"\n'


@pytest.mark.parametrize("typed, region, country, number", [
    ("17555824009", "US", None, "17555824009"),          # a Chinese mobile is no US number: digits as typed
    ("175 5582 4009", "US", None, "17555824009"),
    ("17555824009", "GB", None, "17555824009"),
    ("17555824009", None, None, "17555824009"),
    ("17555824009", "US", "中国", "+8617555824009"),      # the row's own country decides
    ("17555824009", "US", "China", "+8617555824009"),
    ("17555824009", "US", "cn", "+8617555824009"),
    ("17555824009", None, "中華人民共和國", "17555824009"),  # a name we do not know: no guess
    ("030 12345678", "US", "Deutschland", "+493012345678"),
    ("030 12345678", "GB", "Germany", "+493012345678"),
    ("030 12345678", None, "DE", "+493012345678"),
    ("0612345678", "US", "Nederland", "+31612345678"),
    ("0532 123 45 67", None, "Türkiye", "+905321234567"),
    ("(617) 555-0100", "US", None, "+16175550100"),       # valid where assumed: E.164
    ("1 617 555 0100", "US", None, "+16175550100"),
    ("617-555-0100", "US", "nowhere land", "+16175550100"),  # an unknown country: the configured region
    ("0171 234 5678", "GB", "Germany", "+491712345678"),  # the row's country first, then the configured region
    ("07700 900123", "GB", None, "+447700900123"),       # possible, unassigned (kept for fiction): still GB's
    ("7700900123", "GB", None, "+447700900123"),          # a number cell that lost its 0
    ("+8617555824009", "US", None, "+8617555824009"),    # typed with its country code: as typed
    ("+44 (0)20 7946 0958", "US", None, "+442079460958"),
])
def test_national_numbers_are_read_only_where_they_are_numbers(typed, region, country, number):
    assert validate.phone(typed, region, country=country) == (typed, number)


@pytest.mark.parametrize("typed, number", [
    ("+1 617 555 0100 ext 43023", "+16175550100"),
    ("+1 617 555 0100 Ext 43023", "+16175550100"),
    ("617-555-0100 x123", "+16175550100"),
    ("(617) 555-0100 ext. 12", "+16175550100"),
    ("+16175550100;ext=12", "+16175550100"),
    ("617 555 0100 extension 9", "+16175550100"),
    ("17555824009 x12", "17555824009"),
])
def test_extensions_are_kept_in_the_text_and_left_out_of_the_number(typed, number):
    assert validate.phone(typed, "US") == (typed, number)


@pytest.mark.parametrize("typed, number", [
    ("１７５５５８２４００９", "17555824009"),
    ("＋８６ １７５ ５５８２ ４００９", "+8617555824009"),
    ("٠٧٧٠٠ ٩٠٠١٢٣", "+447700900123"),
])
def test_digits_of_any_script_give_the_same_number(typed, number):
    assert validate.phone(typed, "GB") == (typed, number)


@pytest.mark.parametrize("typed", ["call me", "x123", "ext 12", "1-800-FLOWERS", "-5", "电话12345"])
def test_what_is_no_number_is_refused(typed):
    with pytest.raises(validate.Invalid):
        validate.phone(typed, "US")


def test_country_names_in_english_their_own_language_and_codes():
    assert [validate.country_region(c) for c in ("China", "中国", "CN", "Deutschland", "GERMANY", "de", "Polska",
                                                  "United Kingdom", "UK", "U.S.A.", "España", "日本", "", None,
                                                  "Atlantis")] == \
        ["CN", "CN", "CN", "DE", "DE", "DE", "PL", "GB", "GB", "US", "ES", "JP", None, None, None]


def test_contact_add_keeps_a_foreign_number_as_typed(set_config, crm):
    set_config(US)
    wei = crm.json("contact", "add", "--first-name", "Wei", "--phone", "17555824009",
                   "--phone", "+1 617 555 0100 ext 43023")
    rows = ContactPhone.select(ContactPhone.raw, ContactPhone.number).order_by(ContactPhone.position).tuples()
    assert list(rows) == [("17555824009", "17555824009"), ("+1 617 555 0100 ext 43023", "+16175550100")]
    assert views.contact(wei["id"])["phones"] == ["17555824009", "+16175550100"]
    crm("contact", "add", "--first-name", "Li", "--phone", "175 5582 4009", code=1)  # same digits: the same number


def test_a_company_phone_is_read_in_the_company_country(set_config):
    set_config(US)
    assert companies.create({"name": "Zhang Trading", "phone": "17555824009", "country": "中国"})["phone"] == \
        "+8617555824009"
    assert companies.create({"name": "Nowhere Co", "phone": "17555824009"})["phone"] == "17555824009"
    berlin = companies.create({"name": "Berlin GmbH", "country": "Deutschland"})
    assert companies.update(berlin["id"], {"phone": "030 12345678"})["phone"] == "+493012345678"


def test_an_import_with_chinese_headers_and_no_region_keeps_the_number(set_config, tmp_path):
    set_config(US)  # the machine's locale says US; the sheet is Chinese
    sheet = tmp_path / "客户.csv"
    sheet.write_text("姓名,手机,邮箱\n张伟,17555824009,wei@example.cn\n", encoding="utf-8")
    assert import_file(str(sheet)).created == 1
    assert list(ContactPhone.select(ContactPhone.raw, ContactPhone.number).tuples()) == \
        [("17555824009", "17555824009")]
    sheet = tmp_path / "公司.csv"
    sheet.write_text("公司,电话,国家\n北京贸易,010 6512 3456,中国\n", encoding="utf-8")
    import_file(str(sheet), entity="company")
    assert companies.resolve("北京贸易").phone == "+861065123456"


def test_an_imported_row_reads_its_phones_in_its_own_country(set_config, tmp_path):
    set_config(US)
    sheet = tmp_path / "people.csv"
    sheet.write_text("First Name,Email,Phone,Home Country\n"
                     "Wei,wei@example.cn,17555824009,中国\n"
                     "Jonas,jonas@example.de,030 12345678,Deutschland\n"
                     "Ann,ann@example.com,(617) 555-0100 ext 12,\n", encoding="utf-8")
    assert import_file(str(sheet)).created == 3
    assert sorted(ContactPhone.select(ContactPhone.raw, ContactPhone.number).tuples()) == [
        ("(617) 555-0100 ext 12", "+16175550100"), ("030 12345678", "+493012345678"),
        ("17555824009", "+8617555824009")]

"""The real member list behind `cps demo`, taken from WeGO's 2019 annual report.

The report is `../shared/seeds/000_616afa304a34638c.txt` beside the repository
(WeGO, the World Smart Sustainable Cities Organization, is the network CPS
was first built for). It is not shipped with the package, so what the demo
needs is kept here as data: `MEMBERS` (the "Member Overview" local
governments by region, and the corporations and institutions of "New Members
& Partners"), `OFFICES` (the secretariat and regional office cities of "About
WeGO") and `THEMES` (the subjects the report keeps returning to, each with
phrases quoted from it). `parse` reads the report again; a test checks that
it gives exactly these constants whenever the file is there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

MemberKind = Literal["local_government", "corporation", "institution"]

SEED_FILE = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_616afa304a34638c.txt"


@dataclass(frozen=True)
class Member:
    name: str
    country: str
    kind: MemberKind
    region: str  # the report's region heading; "" for corporations and institutions


@dataclass(frozen=True)
class Theme:
    key: str
    subject: str
    evidence: tuple[str, ...]  # phrases of the report (line breaks count as spaces)


@dataclass(frozen=True)
class Seeds:
    members: tuple[Member, ...]
    offices: tuple[str, ...]


# --- parsing the report -----------------------------------------------------

_SEPARATOR = re.compile(r"\s+[\u2013-]\s+")  # en dash in the overview, hyphen in "New Members"
_OFFICE = re.compile(r"\(([^,()]+),\s*[^()]+\)")


def _members_line(line: str, kind: MemberKind, region: str) -> list[Member]:
    country, names = _SEPARATOR.split(line, maxsplit=1)
    return [
        Member(name.strip(), country.strip(), kind, region)
        for name in names.split(",")
        if name.strip()
    ]


def _section(lines: list[str], start: str, stop: str, after: int = 0) -> list[str]:
    """The non-blank lines between the first `start` line after index `after` and `stop`."""
    begin = lines.index(start, after) + 1
    end = lines.index(stop, begin)
    return [line for line in lines[begin:end] if line]


def parse(text: str) -> Seeds:
    """Members and office cities as the report lists them."""
    lines = [line.strip() for line in text.splitlines()]
    members: list[Member] = []
    overview = lines.index("Member Overview")
    region = ""
    for line in _section(lines, "Local Governments", "Corporations", overview):
        if _SEPARATOR.search(line):
            members.extend(_members_line(line, "local_government", region))
        else:
            region = line
    new_members = lines.index("New Members & Partners")
    sections: tuple[tuple[str, str, MemberKind], ...] = (
        ("Corporations", "Institutions", "corporation"),
        ("Institutions", "MOU Partners", "institution"),
    )
    for heading, stop, kind in sections:
        for line in _section(lines, heading, stop, new_members):
            if _SEPARATOR.search(line):
                members.extend(_members_line(line, kind, ""))
    about = " ".join(lines[: lines.index("Content")])
    found = re.search(r"Secretariat is based in ([^,]+),.*?regional offices in (.*?)\.", about)
    offices = (found.group(1), *_OFFICE.findall(found.group(2))) if found else ()
    return Seeds(tuple(members), tuple(offices))


def read_seed_file(path: Path = SEED_FILE) -> Seeds | None:
    """The parsed report, or None where it is not present (CI, Docker)."""
    if not path.is_file():
        return None
    return parse(path.read_text(encoding="utf-8"))


# --- the report's content, kept as data ---------------------------------------


def _members(kind: MemberKind, region: str, country: str, names: str) -> tuple[Member, ...]:
    return tuple(Member(name.strip(), country, kind, region) for name in names.split(","))


MEMBERS: tuple[Member, ...] = (
    # Member Overview: local governments, by region
    # Asia-Pacific
    *_members("local_government", "Asia-Pacific", "Afghanistan", "Ghazni, Kabul, Pul-i-Alam"),
    *_members("local_government", "Asia-Pacific", "Azerbaijan", "Baku"),
    *_members("local_government", "Asia-Pacific", "Bangladesh",
              "Dhaka North, Dhaka South, Rajshahi"),
    *_members("local_government", "Asia-Pacific", "China",
              "Chengdu, Duijiangyan, Hong Kong SAR, Ningbo, Zhejiang Province"),
    *_members("local_government", "Asia-Pacific", "Fiji", "Suva"),
    *_members("local_government", "Asia-Pacific", "India", "Agra"),
    *_members("local_government", "Asia-Pacific", "Indonesia",
              "Bandung, Batam, Bau-Bau, Jakarta, Riau Islands, Serang Regency"),
    *_members("local_government", "Asia-Pacific", "Japan", "Saga Prefecture"),
    *_members("local_government", "Asia-Pacific", "Kazakhstan", "Nur-Sultan"),
    *_members("local_government", "Asia-Pacific", "Korea",
              "Gimpo, Goyang, Gwangmyeong, Jeju, Sejong, Seongnam, Seoul"),
    *_members("local_government", "Asia-Pacific", "Malaysia", "Penang Island, Seberang Perai"),
    *_members("local_government", "Asia-Pacific", "Mongolia", "Ulaanbaatar"),
    *_members("local_government", "Asia-Pacific", "Nepal",
              "Belbari, Bharatpur, Birgunj, Dharan, Dhulikhel, Itahari, Kathmandu, "
              "Patharishanishchare, Pokhara, Ramgram, Ratuwamai, Sundarharaicha, Sunwal, "
              "Tarakeswor"),
    *_members("local_government", "Asia-Pacific", "Pakistan", "Islamabad, Peshawar"),
    *_members("local_government", "Asia-Pacific", "Philippines",
              "Baguio, Cauayan, La Union, Makati, Manila, Quezon City, San Fernando La Union"),
    *_members("local_government", "Asia-Pacific", "Sri Lanka",
              "Dambulla, Galle, Matale, Sri Jayawardenapura Kotte"),
    *_members("local_government", "Asia-Pacific", "Thailand", "Bangkok"),
    *_members("local_government", "Asia-Pacific", "Uzbekistan", "Tashkent"),
    *_members("local_government", "Asia-Pacific", "Vietnam", "Da Nang, Ha Noi, Thua Thien Hue"),
    # Africa
    *_members("local_government", "Africa", "Cameroon", "Andek, Batibo, Tubah"),
    *_members("local_government", "Africa", "Ethiopia", "Addis Ababa"),
    *_members("local_government", "Africa", "Ghana", "Accra"),
    *_members("local_government", "Africa", "Kenya", "Nairobi"),
    *_members("local_government", "Africa", "Mozambique", "Maputo"),
    *_members("local_government", "Africa", "Nigeria",
              "Abuja, Calabar, Donga, Gassol, Jalingo, Kaduna State, Karim-Lamido, "
              "Kurmi-Baissa, Pupule Yorro, Sardauna-Gembu, Sokoto State, Takum"),
    *_members("local_government", "Africa", "Rwanda", "Kigali"),
    *_members("local_government", "Africa", "Senegal", "Dakar"),
    *_members("local_government", "Africa", "South Africa", "Tshwane"),
    *_members("local_government", "Africa", "Sudan",
              "East Nile Locality, Elkhawi Locality, Qadarif City, Qadarif State, Gezira State,"
              " Hasahisa, Kassala State, Khartoum Locality, Khartoum State, North Kordofan "
              "State, River Nile State, Sennar State, Shaikan Locality, South Gezira Locality, "
              "Umelgoura Locality, White Nile State"),
    *_members("local_government", "Africa", "Tanzania", "Dar es Salaam"),
    *_members("local_government", "Africa", "Tunisia", "La Marsa, Menzel Jemil, Tunis"),
    *_members("local_government", "Africa", "Uganda", "Kampala"),
    *_members("local_government", "Africa", "Zambia", "Kasama, Lunte"),
    *_members("local_government", "Africa", "Zimbabwe", "Harare"),
    # Europe
    *_members("local_government", "Europe", "Belarus", "Minsk"),
    *_members("local_government", "Europe", "Belgium", "Brussels"),
    *_members("local_government", "Europe", "France", "Paris"),
    *_members("local_government", "Europe", "Germany", "Berlin, Frankfurt"),
    *_members("local_government", "Europe", "Netherlands", "Rotterdam"),
    *_members("local_government", "Europe", "Romania", "Bucharest"),
    *_members("local_government", "Europe", "Russia",
              "Magas, Moscow, Ulyanovsk Region, Vladivostok, Yakutsk"),
    *_members("local_government", "Europe", "Turkey",
              "Ankara, Antakya, Beyoğlu, Gaziantep, Malatya, Muğla"),
    # Americas
    *_members("local_government", "Americas", "Argentina", "San Antonio de Areco"),
    *_members("local_government", "Americas", "Brazil", "Porto Alegre, São Paulo"),
    *_members("local_government", "Americas", "Dominican Republic", "Villa Tapia"),
    *_members("local_government", "Americas", "Mexico", "Coatzacoalcos, Mexico City"),
    *_members("local_government", "Americas", "Paraguay", "Asunción"),
    *_members("local_government", "Americas", "USA", "Pittsburgh, San Francisco"),
    *_members("local_government", "Americas", "Venezuela", "Caracas"),
    # Middle East
    *_members("local_government", "Middle East", "Iran", "Shiraz"),
    *_members("local_government", "Middle East", "Iraq", "Erbil"),
    *_members("local_government", "Middle East", "Oman", "Muscat"),
    *_members("local_government", "Middle East", "Palestine", "Hebron, Ramallah"),
    *_members("local_government", "Middle East", "United Arab Emirates", "Abu Dhabi"),
    # New Members & Partners: corporations
    *_members("corporation", "", "Canada", "WeavAir"),
    *_members("corporation", "", "China", "GACHain Technology"),
    *_members("corporation", "", "France", "Interinnov S.A.S"),
    *_members("corporation", "", "Indonesia", "Qlue"),
    *_members("corporation", "", "Korea",
              "Data Alliance, Geomexsoft, Haezoom, ICONLOOP, Manageon, TG, UCWARE, Umay, "
              "Winnertech"),
    *_members("corporation", "", "Singapore", "Scanetchain"),
    # New Members & Partners: institutions
    *_members("institution", "", "Germany", "FIWARE Foundation"),
    *_members("institution", "", "India", "Enactus IIT Delhi"),
    *_members("institution", "", "Korea",
              "Korea Internet and Security Agency, Seoul Business Agency, Seoul Housing & "
              "Communities Corporation"),
    *_members("institution", "", "Mongolia", "Healthy City Network of Mongolia"),
    *_members("institution", "", "Nigeria",
              "African Smart Cities Innovation Foundation, Digital Collaborative Platform"),
)

# "WeGO's Secretariat is based in Seoul, Korea, with regional offices in East Asia
# (Chengdu, China), Eurasia (Ulyanovsk, Russia), the Mediterranean (Beyoğlu,
# Turkey), and Latin America (Mexico City, Mexico)."
OFFICES: tuple[str, ...] = ("Seoul", "Chengdu", "Ulyanovsk", "Beyoğlu", "Mexico City")

THEMES: tuple[Theme, ...] = (
    Theme("mobility", "Smart mobility",
          ("Smart Parking Systems in Kampala", "Traffic Management and Public Safety",
           "buildings, solar, transport, and water")),
    Theme("egov", "E-government and open data",
          ("GovPay", "Philippine OpenGov Leadership Forum",
           "Generating Actionable Data for Smarter Cities")),
    Theme("safety", "Public safety and urban resilience",
          ("Urban Resilience Forum", "Office for Disaster Risk Reduction",
           "Traffic Management and Public Safety")),
    Theme("environment", "Clean air, waste and water",
          ("Clean Air Summit", "Solid Waste and Wastewater Management",
           "combat issues such as climate change")),
    Theme("public_spaces", "Buildings, roads and public spaces",
          ("Buildings, Roads, and Public Spaces", "urban revitalization")),
    Theme("economy", "Startups and the local economy",
          ("Urban Innovation Challenge: Citypreneurs", "innovation and entrepreneurship")),
    Theme("people", "Human-centered smart cities",
          ("Advancing Human-Centered Smart Cities",
           "citizens and their happiness is the priority")),
)


# Threads `cps demo` writes in the language spoken in a member's country (issue 20):
# a topic (title, opening post) and replies, in order; `{city}` is the member's name.
# Each is told as its language by the detector (tests/test_demo.py checks it).
LocalThread = tuple[str, str, tuple[str, ...]]
LOCAL_LANGUAGES: dict[str, str] = {
    "Korea": "ko", "Mexico": "es", "Turkey": "tr", "Russia": "ru", "Palestine": "ar",
}
LOCAL_THREADS: dict[str, LocalThread] = {
    "ko": (
        "{city} 마을버스 배차 간격, 주민 의견을 모읍니다",
        "출퇴근 시간에 마을버스를 20분 넘게 기다리는 일이 잦습니다. 특히 언덕 위 동네에 사는 "
        "어르신들은 다른 교통수단이 마땅치 않습니다. 배차 간격을 줄이거나 노선을 조정하는 방안에 "
        "대해 의견을 나눠 주세요.",
        ("저도 아침마다 정류장에서 오래 기다립니다. 8시 전후만이라도 차량을 늘려 주면 좋겠어요.",
         "버스 도착 정보 안내판이 없는 정류장이 많습니다. 기다리는 시간을 알 수 있으면 불편이 "
         "훨씬 줄어들 것 같습니다.",
         "구청 교통과입니다. 다음 달 운수회사와 협의할 때 말씀하신 시간대 증차를 안건으로 "
         "올리겠습니다."),
    ),
    "es": (
        "Banquetas rotas en el centro de {city}: ¿por dónde empezamos?",
        "Caminar por el centro se ha vuelto peligroso: hay banquetas levantadas por las raíces "
        "de los árboles, coladeras sin tapa y rampas que no sirven para sillas de ruedas. "
        "Propongo que hagamos entre todos un mapa de los puntos más urgentes.",
        ("En la calle de mi escuela hay un hoyo enorme junto al paso peatonal; los niños tienen "
         "que bajarse al arroyo vehicular.",
         "Apoyo la idea del mapa. Podríamos marcar también dónde faltan rampas y dónde hay "
         "puestos que bloquean el paso.",
         "Desde la alcaldía tomamos nota: publicaremos el calendario de reparaciones por colonia "
         "antes de fin de mes."),
    ),
    "tr": (
        "{city}'da sahil yolunda bisiklet şeridi istiyoruz",
        "Sahil yolunda her gün yüzlerce kişi bisiklet sürüyor ama ayrı bir şerit yok; araçlarla "
        "aynı yolu paylaşmak çok tehlikeli. Belediyeden güvenli ve kesintisiz bir bisiklet yolu "
        "talep etmek için görüşlerinizi bekliyorum.",
        ("Kesinlikle katılıyorum, geçen hafta bir arkadaşım kaza geçirdi. Şerit fiziksel olarak "
         "ayrılmalı.",
         "Esnaf olarak yükleme boşaltma saatlerinin de düşünülmesini rica ediyoruz, yoksa "
         "kamyonlar şeridi kapatır.",
         "Belediye ulaşım birimi olarak proje çalışmasına başladık; taslak güzergâhı burada "
         "paylaşacağız."),
    ),
    "ru": (
        "Дворы {city}: где поставить новые детские площадки",
        "В нашем районе много дворов, где детям негде играть: старые качели сломаны, а песочницы "
        "давно пустуют. Давайте вместе составим список дворов, которым площадки нужнее всего, и "
        "передадим его в администрацию.",
        ("Во дворе на Садовой площадку снесли три года назад и так и не восстановили. Дети "
         "играют на парковке.",
         "Предлагаю сразу подумать и о покрытии: резиновая крошка безопаснее песка и служит "
         "дольше.",
         "Администрация района благодарит за предложения. Список дворов рассмотрим на ближайшем "
         "заседании комиссии по благоустройству."),
    ),
    "ar": (
        "انقطاع المياه في أحياء {city}: ما الحلول الممكنة؟",
        "تنقطع المياه عن حيّنا يومين أو ثلاثة كل أسبوع في الصيف، والخزانات على الأسطح لا تكفي "
        "العائلات الكبيرة. أقترح أن نجمع هنا مواعيد الانقطاع في كل حي حتى نطالب البلدية بجدول "
        "توزيع عادل.",
        ("في حيّنا الانقطاع أطول من ذلك، وأحيانًا تصل المياه في منتصف الليل فقط. جدول معلن "
         "سيساعدنا كثيرًا.",
         "يمكن للبلدية أن تدعم شراء خزانات إضافية للأسر المحتاجة، فهذا حل سريع إلى أن تتحسن "
         "الشبكة.",
         "نشكركم على المتابعة. ستنشر دائرة المياه في البلدية جدول التوزيع الأسبوعي لكل الأحياء "
         "ابتداءً من الشهر القادم."),
    ),
}

# ruff: noqa: E501
"""A small multilingual corpus written for the query tests: six topics in five
languages (translations share a topic, not an id), plus a few single-language documents
so that some answers exist in one language only."""

from __future__ import annotations

from typing import Any

TOPICS: dict[str, dict[str, tuple[str, str]]] = {
    "tesla": {
        "en": (
            "Nikola Tesla",
            "Nikola Tesla was an inventor born in 1856 in Smiljan. He developed the alternating current induction motor.",
        ),
        "de": (
            "Nikola Tesla",
            "Nikola Tesla war ein Erfinder, geboren 1856 in Smiljan. Er entwickelte den Induktionsmotor für Wechselstrom.",
        ),
        "fr": (
            "Nikola Tesla",
            "Nikola Tesla était un inventeur né en 1856 à Smiljan. Il a mis au point le moteur à induction à courant alternatif.",
        ),
        "es": (
            "Nikola Tesla",
            "Nikola Tesla fue un inventor nacido en 1856 en Smiljan. Desarrolló el motor de inducción de corriente alterna.",
        ),
        "ru": (
            "Никола Тесла",
            "Никола Тесла — изобретатель, родившийся в 1856 году в Смилянах. Он разработал асинхронный двигатель переменного тока.",
        ),
    },
    "eiffel": {
        "en": (
            "Eiffel Tower",
            "The Eiffel Tower in Paris was completed in 1889 and is about 330 metres tall.",
        ),
        "de": (
            "Eiffelturm",
            "Der Eiffelturm in Paris wurde 1889 fertiggestellt und ist etwa 330 Meter hoch.",
        ),
        "fr": (
            "Tour Eiffel",
            "La tour Eiffel à Paris a été achevée en 1889 et mesure environ 330 mètres.",
        ),
        "es": (
            "Torre Eiffel",
            "La Torre Eiffel de París se terminó en 1889 y mide unos 330 metros de altura.",
        ),
        "ru": (
            "Эйфелева башня",
            "Эйфелева башня в Париже была построена в 1889 году, её высота около 330 метров.",
        ),
    },
    "photosynthesis": {
        "en": (
            "Photosynthesis",
            "Plants use sunlight, water and carbon dioxide to produce sugar and release oxygen.",
        ),
        "de": (
            "Photosynthese",
            "Pflanzen nutzen Sonnenlicht, Wasser und Kohlendioxid, um Zucker herzustellen und Sauerstoff freizusetzen.",
        ),
        "fr": (
            "Photosynthèse",
            "Les plantes utilisent la lumière du soleil, l'eau et le dioxyde de carbone pour produire du sucre et libérer de l'oxygène.",
        ),
        "es": (
            "Fotosíntesis",
            "Las plantas usan la luz del sol, el agua y el dióxido de carbono para producir azúcar y liberar oxígeno.",
        ),
        "ru": (
            "Фотосинтез",
            "Растения используют солнечный свет, воду и углекислый газ, чтобы производить сахар и выделять кислород.",
        ),
    },
    "amazon": {
        "en": (
            "Amazon River",
            "The Amazon is the largest river in South America and flows into the Atlantic Ocean.",
        ),
        "de": (
            "Amazonas",
            "Der Amazonas ist der größte Fluss Südamerikas und mündet in den Atlantischen Ozean.",
        ),
        "fr": (
            "Amazone",
            "L'Amazone est le plus grand fleuve d'Amérique du Sud et se jette dans l'océan Atlantique.",
        ),
        "es": (
            "Río Amazonas",
            "El Amazonas es el río más grande de América del Sur y desemboca en el océano Atlántico.",
        ),
        "ru": (
            "Амазонка",
            "Амазонка — крупнейшая река Южной Америки, она впадает в Атлантический океан.",
        ),
    },
    "coffee": {
        "en": (
            "Coffee",
            "Coffee is brewed from roasted coffee beans and contains caffeine, which keeps people awake.",
        ),
        "de": (
            "Kaffee",
            "Kaffee wird aus gerösteten Kaffeebohnen gebrüht und enthält Koffein, das Menschen wach hält.",
        ),
        "fr": (
            "Café",
            "Le café est préparé à partir de grains torréfiés et contient de la caféine, qui tient éveillé.",
        ),
        "es": (
            "Café",
            "El café se prepara con granos tostados y contiene cafeína, que mantiene despierta a la gente.",
        ),
        "ru": ("Кофе", "Кофе заваривают из обжаренных зёрен; он содержит кофеин, который бодрит."),
    },
    "football": {
        "en": (
            "Football World Cup",
            "The FIFA World Cup is a football tournament held every four years; Brazil has won it five times.",
        ),
        "de": (
            "Fußball-Weltmeisterschaft",
            "Die FIFA-Weltmeisterschaft ist ein Fußballturnier, das alle vier Jahre stattfindet; Brasilien hat es fünfmal gewonnen.",
        ),
        "fr": (
            "Coupe du monde de football",
            "La Coupe du monde de la FIFA est un tournoi de football organisé tous les quatre ans ; le Brésil l'a gagnée cinq fois.",
        ),
        "es": (
            "Copa Mundial de Fútbol",
            "La Copa Mundial de la FIFA es un torneo de fútbol que se celebra cada cuatro años; Brasil la ha ganado cinco veces.",
        ),
        "ru": (
            "Чемпионат мира по футболу",
            "Чемпионат мира ФИФА — футбольный турнир, который проводится раз в четыре года; Бразилия выигрывала его пять раз.",
        ),
    },
}

# answers that exist in one language only
SINGLES: dict[str, tuple[str, str, str]] = {
    "curie-fr": (
        "fr",
        "Marie Curie",
        "Marie Curie a reçu le prix Nobel de physique en 1903 et le prix Nobel de chimie en 1911 pour ses travaux sur la radioactivité.",
    ),
    "volga-ru": (
        "ru",
        "Волга",
        "Волга — самая длинная река Европы, она впадает в Каспийское море.",
    ),
    "bach-de": (
        "de",
        "Johann Sebastian Bach",
        "Johann Sebastian Bach war ein Komponist des Barock und schrieb die Brandenburgischen Konzerte.",
    ),
    "sushi-es": (
        "es",
        "Sushi",
        "El sushi es un plato japonés de arroz avinagrado con pescado crudo o verduras.",
    ),
}


def records() -> list[dict[str, Any]]:
    """``{id, lang, title, body, tenant, year}``; the ``globex`` tenant holds the singles."""
    out = []
    for i, (topic, langs) in enumerate(TOPICS.items()):
        for lang, (title, body) in langs.items():
            out.append(
                {
                    "id": f"{topic}-{lang}",
                    "lang": lang,
                    "title": title,
                    "body": body,
                    "tenant": "acme",
                    "year": 2000 + i,
                }
            )
    for doc_id, (lang, title, body) in SINGLES.items():
        out.append(
            {
                "id": doc_id,
                "lang": lang,
                "title": title,
                "body": body,
                "tenant": "acme",
                "year": 2020,
            }
        )
    out.append(
        {
            "id": "tesla-globex",
            "lang": "en",
            "title": "Nikola Tesla",
            "body": "A different tenant's note about Nikola Tesla, born 1856.",
            "tenant": "globex",
            "year": 2021,
        }
    )
    return out

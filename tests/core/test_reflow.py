"""Pages that reflow: a wide table scrolls in a labelled box of its own, and a reference stays whole."""

from pathlib import Path

from flask import render_template_string


def test_a_wide_table_sits_in_a_labelled_box_people_can_scroll_by_keyboard(app):
    with app.test_request_context():
        page = render_template_string(
            '{% from "_table_scroll.html" import table_scroll %}'
            '{% call table_scroll(label) %}<table class="govuk-table"></table>{% endcall %}',
            label='Bids "ranked" <by score>',
        )
    assert page == (
        '<div class="grants-table-scroll" role="region" aria-label="Bids &#34;ranked&#34; &lt;by score&gt;"'
        ' tabindex="0"><table class="govuk-table"></table></div>'
    )


def test_a_reference_is_one_word_and_its_text_is_escaped(app):
    with app.test_request_context():

        def shown(value):
            return render_template_string("{{ value | reference }}", value=value)

        assert shown("LV2-0005") == '<span class="grants-reference">LV2-0005</span>'
        assert shown("<b>") == '<span class="grants-reference">&lt;b&gt;</span>'
        assert shown(None) == '<span class="grants-reference"></span>'


def test_the_stylesheet_keeps_references_whole_and_tables_in_their_box(app):
    css = (Path(app.static_folder) / "grants.css").read_text()
    assert ".grants-reference {\n  white-space: nowrap;" in css
    assert "position: relative;\n  overflow-x: auto;" in css


def test_every_rule_of_the_stylesheet_is_closed(app):
    """A rule left open (as a merge can leave one) swallows every rule after it, unnoticed in review."""
    import re

    css = re.sub(r"/\*.*?\*/", "", (Path(app.static_folder) / "grants.css").read_text(), flags=re.S)
    depth, in_media = 0, False
    for number, line in enumerate(css.splitlines(), 1):
        for character in line:
            if character == "{":
                assert depth == 0 or in_media, f"line {number}: a rule opens inside another: {line.strip()}"
                if depth == 0:
                    in_media = line.lstrip().startswith("@media")
                depth += 1
            elif character == "}":
                depth -= 1
                assert depth >= 0, f"line {number}: a rule closes that was never opened"
    assert depth == 0, "a rule is left open at the end"

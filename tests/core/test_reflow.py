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

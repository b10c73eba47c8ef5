"""The quick option rendering gives the same HTML as WTForms' own select, escaped."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select

from app.web.widgets import QuickSelect, option_tags

CHOICES = [SelectChoice("", "Nobody"), SelectChoice("7", "Ann <admin>"), SelectChoice("12", 'Bob "the builder" & co')]


class _Form(FlaskForm):
    class Meta:
        csrf = False

    quick = SelectField(choices=CHOICES, widget=QuickSelect())
    stock = SelectField(choices=CHOICES, widget=Select())


def test_quick_select_renders_what_the_stock_widget_does(app):
    with app.test_request_context():
        form = _Form(data={"quick": "12", "stock": "12"})
        quick, stock = str(form.quick(id="x")), str(form.stock(id="x"))
    assert quick.replace('name="quick"', "") == stock.replace('name="stock"', "")
    assert '<option selected value="12">Bob &#34;the builder&#34; &amp; co</option>' in quick


def test_option_tags_escape_and_mark_the_chosen_one():
    html = str(option_tags([(7, "Ann <admin>"), (12, 'Bob "the builder" & co')], "12"))
    assert html == ('<option value="7">Ann &lt;admin&gt;</option>'
                    '<option selected value="12">Bob &#34;the builder&#34; &amp; co</option>')
    assert "selected" not in str(option_tags([(7, "Ann")], None))

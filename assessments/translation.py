"""Assessment criteria are programme content: staff translate them in the admin."""

from modeltranslation.translator import TranslationOptions, register

from .models import Criterion


@register(Criterion)
class CriterionTranslation(TranslationOptions):
    fields = ("name", "description")


# simple-history builds HistoricalCriterion before modeltranslation adds the language
# columns; registering it too keeps every language in the history.
@register(Criterion.history.model)
class HistoricalCriterionTranslation(TranslationOptions):
    fields = ("name", "description")

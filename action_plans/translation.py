"""A plan's milestone titles come from the call's template in every language."""

from modeltranslation.translator import TranslationOptions, register

from .models import Milestone


@register(Milestone)
class MilestoneTranslation(TranslationOptions):
    fields = ("title",)


# simple-history builds HistoricalMilestone before modeltranslation adds the language
# columns; registering it too keeps every language's title in the history.
@register(Milestone.history.model)
class HistoricalMilestoneTranslation(TranslationOptions):
    fields = ("title",)

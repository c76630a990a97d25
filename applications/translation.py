"""Programme content that staff translate in the admin (django-modeltranslation).

Each registered field gets one column per language (`name_es`, `name_fr`…); reading
`name` gives the active language's text, falling back to English. A new call's
milestone template starts as the default template written in each language, because
modeltranslation evaluates the field's default in the language of each column.
"""

from modeltranslation.translator import TranslationOptions, register

from .models import Call, Region, Theme


@register(Theme)
class ThemeTranslation(TranslationOptions):
    fields = ("name",)


@register(Region)
class RegionTranslation(TranslationOptions):
    fields = ("name",)


@register(Call)
class CallTranslation(TranslationOptions):
    fields = ("name", "description", "milestone_template")


"""Model objects: ``g4f.models``, ``ModelUtils.convert`` and ``models.default``."""

import g4f
from g4f import models
from g4f.models import Model, ModelUtils

MESSAGES = [{"role": "user", "content": "Which model are you?"}]


def main():
    gpt_4o = ModelUtils.convert["gpt-4o"]
    return {
        "same": gpt_4o is models.gpt_4o,
        "is_model": isinstance(models.default, Model),
        "name": gpt_4o.name,
        "base_provider": gpt_4o.base_provider,
        "answer": g4f.ChatCompletion.create(model=gpt_4o, messages=MESSAGES),
        "by_default": g4f.ChatCompletion.create(
            model=models.default, messages=MESSAGES, provider=g4f.Provider.Aichat
        ),
    }

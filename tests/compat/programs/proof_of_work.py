"""The ChatGPT proof-of-work functions under g4f's module names."""

from g4f.Provider.openai.new import get_answer_token, get_config, get_requirements_token
from g4f.Provider.openai.proofofwork import generate_proof_token

USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"


def main():
    config = get_config(USER_AGENT)
    return {
        "answer": get_answer_token("0.42", "0fffff", config),
        "requirements": get_requirements_token(config),
        "proof": generate_proof_token(True, seed="0.42", difficulty="0fffff", user_agent="UA"),
        "not_required": generate_proof_token(False),
    }

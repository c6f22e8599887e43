import json
import math

import pytest
from datasets import Dataset

from sft_helpers.machinery import bundled_data
from sft_helpers.machinery.standins import standin_path
from sft_helpers.preference import carve_by_prompt, implicit_reward_margins, pair_logps, preference_accuracy, reply_logps
from sft_helpers.training import load_chat_model

# TRL 1.16 still reads `is_gradient_checkpointing`, renamed in transformers 5 (as notebook 07 says): harmless.
pytestmark = pytest.mark.filterwarnings("ignore:`is_gradient_checkpointing` is deprecated:FutureWarning")


@pytest.fixture(scope="module")
def chat_model(tmp_path_factory):
    # A folder, as DPO needs one: its reference model is loaded from the policy's path.
    model, tokenizer = load_chat_model(standin_path("tiny-smollm2"), "cpu")
    folder = tmp_path_factory.mktemp("policy")
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return model, tokenizer, folder


def test_our_log_probabilities_are_trls(chat_model):
    # The hand-written score of notebook 07 must be what DPOTrainer logs as logps/chosen and logps/rejected.
    from trl import DPOConfig, DPOTrainer

    model, tokenizer, folder = chat_model
    pairs = bundled_data.read("preferences", "test")[:6]
    ours = pair_logps(model, tokenizer, pairs)
    dataset = Dataset.from_list([{k: p[k] for k in ("prompt", "chosen", "rejected")} for p in pairs])
    args = DPOConfig(output_dir=str(folder / "dpo"), per_device_eval_batch_size=6, report_to="none", use_cpu=True, bf16=False,
                     activation_checkpointing=False,
                     disable_tqdm=True)
    trainer = DPOTrainer(model=str(folder), args=args, train_dataset=dataset, eval_dataset=dataset, processing_class=tokenizer)
    metrics = trainer.evaluate()
    assert metrics["eval_logps/chosen"] == pytest.approx(sum(c for c, _ in ours) / len(ours), rel=1e-4)
    assert metrics["eval_logps/rejected"] == pytest.approx(sum(r for _, r in ours) / len(ours), rel=1e-4)
    # Before any training the policy is its reference: every margin is zero, no pair is "won", and DPO's loss,
    # -log sigmoid(0), is ln 2 for every pair (notebook 07 writes the formula out).
    assert metrics["eval_rewards/margins"] == pytest.approx(0.0, abs=1e-6) and metrics["eval_rewards/accuracies"] == 0.0
    assert metrics["eval_loss"] == pytest.approx(math.log(2), abs=1e-6)


def test_a_longer_reply_costs_log_probability(chat_model):
    model, tokenizer, _ = chat_model
    prompt = [{"role": "user", "content": "What is 2 plus 2?"}]
    short = reply_logps(model, tokenizer, prompt, [{"role": "assistant", "content": "2 plus 2 is 4."}])
    long = reply_logps(model, tokenizer, prompt, [{"role": "assistant", "content": "2 plus 2 is 4. 2 plus 2 is 4. 2 plus 2 is 4."}])
    assert long < short < 0  # each token adds a negative log-probability: the sum favours short replies


def test_accuracy_and_margins():
    assert preference_accuracy([(-1.0, -2.0), (-2.0, -1.0)]) == [True, False]
    assert implicit_reward_margins([(-1.0, -3.0)], [(-1.0, -3.0)], beta=0.5) == [0.0]  # unchanged policy: no margin
    with pytest.raises(ValueError, match="policy pairs"):
        implicit_reward_margins([(-1.0, -3.0)], [], beta=0.1)


def prompt_key(pair) -> str:
    return json.dumps(pair["prompt"], sort_keys=True)


def test_the_validation_carve_keeps_every_prompt_on_one_side():
    pairs = bundled_data.read("preferences", "train")
    rest, carved = carve_by_prompt(pairs, 60, seed=42)
    assert (len(rest), len(carved)) == (240, 60)
    assert not {prompt_key(p) for p in rest} & {prompt_key(p) for p in carved}
    # The bundled training pairs repeat a few greetings: the carve is by prompt, not by pair, for them.
    assert len({prompt_key(p) for p in pairs}) < len(pairs)
    assert sorted(map(prompt_key, rest + carved)) == sorted(map(prompt_key, pairs))  # nothing lost, nothing doubled
    assert carve_by_prompt(pairs, 60, seed=42) == (rest, carved)  # seeded
    assert carve_by_prompt(pairs, 60, seed=1)[1] != carved
    # Order kept on both sides: notebook 07 trains on `rest` in the order the file gives.
    assert rest == [p for p in pairs if prompt_key(p) not in {prompt_key(c) for c in carved}]


def test_the_carve_takes_whole_prompts_only():
    hi = [{"role": "user", "content": "Hi!"}]
    pairs = [{"prompt": hi, "chosen": [], "rejected": [], "i": i} for i in range(5)] + [
        {"prompt": [{"role": "user", "content": f"What is {i} plus 1?"}], "chosen": [], "rejected": [], "i": 5 + i} for i in range(3)]
    for seed in range(10):
        rest, carved = carve_by_prompt(pairs, 4, seed=seed)  # "Hi!" has 5 pairs: it never fits in 4
        assert len(carved) == 3 and all(p["prompt"] != hi for p in carved) and len(rest) == 5
    with pytest.raises(ValueError, match="between 1 and 7"):
        carve_by_prompt(pairs, 8)

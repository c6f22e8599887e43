import pytest
from datasets import Dataset

from sft_helpers.machinery import bundled_data
from sft_helpers.machinery.standins import standin_path
from sft_helpers.preference import implicit_reward_margins, pair_logps, preference_accuracy, reply_logps
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
    # Before any training the policy is its reference: every margin is zero and no pair is "won".
    assert metrics["eval_rewards/margins"] == pytest.approx(0.0, abs=1e-6) and metrics["eval_rewards/accuracies"] == 0.0


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

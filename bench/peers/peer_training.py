"""What the PyTorch sides of the training benchmarks share: the Keras-style training loop (Adam(1e-3,
eps=1e-7), shuffled batches from a seeded generator) and the timed run that prints one JSON line.

Used by train_convnet.py and train_textcnn.py (train_mlp.py uses the epoch loop); each gives its model, data, batch size, loss and how a
prediction is scored.
"""
import json
import time

import torch


def epoch(net, optimizer, loss_fn, x, y, batch, generator, mean_loss=False):
    """One shuffled pass over (x, y); returns the last batch's loss, or with mean_loss the epoch's mean."""
    order = torch.randperm(x.shape[0], generator=generator)
    total, loss = 0.0, None
    for start in range(0, x.shape[0], batch):
        index = order[start:start + batch]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(net(x[index]), y[index])
        loss.backward()
        optimizer.step()
        if mean_loss:
            total += loss.item() * index.shape[0]
    return total / x.shape[0] if mean_loss else loss.item()


def fit(net, x, y, epochs, generator, batch, loss_fn):
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    net.train()
    loss = None
    for _ in range(epochs):
        loss = epoch(net, optimizer, loss_fn, x, y, batch, generator)
    return loss


def run(argv, make_model, train, test, batch, loss_fn, correct):
    """argv: THREADS EPOCHS [SEED]. Trains a warm-up model for 1.5 s (8 batches at a time), then a model from
    SEED for EPOCHS epochs, timed in wall and process CPU time; correct(outputs, targets) marks the test hits."""
    threads, epochs = int(argv[1]), int(argv[2])
    seed = int(argv[3]) if len(argv) > 3 else 0
    torch.set_num_threads(threads)
    (x, y), (x_test, y_test) = train, test
    torch.manual_seed(seed + 1000)
    warm, generator = make_model(), torch.Generator().manual_seed(seed + 1000)
    start = time.perf_counter()
    while time.perf_counter() - start < 1.5:
        fit(warm, x[:batch * 8], y[:batch * 8], 1, generator, batch, loss_fn)
    torch.manual_seed(seed)
    net, generator = make_model(), torch.Generator().manual_seed(seed)
    start, cpu = time.perf_counter(), time.process_time()
    loss = fit(net, x, y, epochs, generator, batch, loss_fn)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    net.eval()
    with torch.no_grad():
        accuracy = correct(net(x_test), y_test).float().mean().item()
    print(json.dumps({"library": "PyTorch", "threads": threads, "epochs": epochs, "seed": seed,
                      "samples_per_s": round(x.shape[0] * epochs / seconds),
                      "samples_per_cpu_s": round(x.shape[0] * epochs / cpu), "final_loss": round(loss, 4),
                      "test_accuracy": round(accuracy, 4)}))

#!/usr/bin/python3
"""The same training step as bench-train.c, in PyTorch 1.13 (Debian's python3-torch).

The model is Gaze's decoder written the usual PyTorch way (after the popular
"Show, Attend and Tell" PyTorch tutorial code): a Dense(256, ReLU) squeeze on
each of the 49 grid vectors, h0/c0 from tanh MLPs of their mean, Bahdanau
soft attention, the gate beta, an LSTMCell on [E y; z], the deep output
L_o(E y + L_h h + L_z z) with dropout 0.5, cross-entropy plus the doubly
stochastic penalty summed over the cells, Adam and gradient clipping.  Captions
are sorted by length and step t runs only the captions still going, as
PackedSequence-style PyTorch code does.

The synthetic batches match bench-train.c: 64 captions of 6..25 steps (mean
about 12), 32 distinct images, vocabulary 2540.  Prints the median tokens/s.

Usage: torch_train.py [--threads N] [--batches N]
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

C, D, E, H, A, L = 1280, 256, 256, 512, 256, 49


class Decoder(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.squeeze = nn.Linear(C, D)
        self.init_h = nn.Linear(D, H)
        self.init_c = nn.Linear(D, H)
        self.att_a = nn.Linear(D, A)
        self.att_h = nn.Linear(H, A, bias=False)
        self.att_v = nn.Linear(A, 1, bias=False)
        self.gate = nn.Linear(H, 1)
        self.embed = nn.Embedding(vocab, E)
        self.lstm = nn.LSTMCell(E + D, H)
        self.out_h = nn.Linear(H, E, bias=False)
        self.out_z = nn.Linear(D, E, bias=False)
        self.out = nn.Linear(E, vocab)
        self.dropout = nn.Dropout(0.5)

    def forward(self, features, img, tokens, lengths):
        # features [U, L, C]; img [n]; tokens [n, T+1]; lengths [n] sorted descending
        a_img = F.relu(self.squeeze(features))          # [U, L, D]
        pa_img = self.att_a(a_img)                       # [U, L, A]
        mean = a_img.mean(1)
        a, pa = a_img[img], pa_img[img]                  # [n, L, D], [n, L, A]
        h = torch.tanh(self.init_h(mean))[img]
        c = torch.tanh(self.init_c(mean))[img]
        ey = self.embed(tokens)                          # [n, T+1, E]
        T = int(lengths[0])
        n = tokens.shape[0]
        logits, alphas = [], torch.zeros(n, T, L)
        hs, zs, eys = [], [], []
        for t in range(T):
            m = int((lengths > t).sum())
            e = self.att_v(torch.tanh(pa[:m] + self.att_h(h[:m]).unsqueeze(1))).squeeze(2)
            alpha = F.softmax(e, dim=1)
            beta = torch.sigmoid(self.gate(h[:m]))
            z = beta * (alpha.unsqueeze(2) * a[:m]).sum(1)
            h, c = self.lstm(torch.cat([ey[:m, t], z], 1), (h[:m], c[:m]))
            hs.append(h)
            zs.append(z)
            eys.append(ey[:m, t])
            alphas[:m, t] = alpha
        # The deep output and the vocabulary projection over all tokens at once.
        hh, zz, yy = torch.cat(hs), torch.cat(zs), torch.cat(eys)
        logits = self.out(self.dropout(yy + self.out_h(hh) + self.out_z(zz)))
        return logits, alphas


def synthetic_batch(gen, vocab, B=64, U=32, stride=27):
    lengths = 6 + (torch.randint(0, 7, (B,), generator=gen) + torch.randint(0, 7, (B,), generator=gen)
                   + torch.randint(0, 7, (B,), generator=gen)) * 19 // 18
    lengths, _ = torch.sort(lengths, descending=True)
    tokens = torch.randint(4, vocab, (B, stride), generator=gen)
    tokens[:, 0] = 1
    img = torch.randint(0, U, (B,), generator=gen)
    return img, tokens, lengths


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--vocab", type=int, default=2540)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    gen = torch.Generator().manual_seed(1)
    model = Decoder(args.vocab)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    feats = torch.rand(32, L, C) * 3.0 * (torch.rand(32, L, C) > 0.7)
    rates, cpu_rates = [], []
    for b in range(args.batches + 2):
        img, tokens, lengths = synthetic_batch(gen, args.vocab)
        n_tok = int(lengths.sum())
        start, cpu_start = time.perf_counter(), time.process_time()
        logits, alphas = model(feats, img, tokens, lengths)
        # Targets packed by time like the logits: step t, captions 0..m-1.
        T = int(lengths[0])
        targets = torch.cat([tokens[: int((lengths > t).sum()), t + 1] for t in range(T)])
        xent = F.cross_entropy(logits, targets, reduction="sum")
        penalty = ((1.0 - alphas.sum(1)) ** 2).sum()
        loss = (xent + penalty) / n_tok
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        if b >= 2:
            rates.append(n_tok / seconds)
            cpu_rates.append(n_tok / cpu)
    # Tokens per CPU-second: with one thread, the speed on an idle machine even
    # when other work shares it.
    print("torch train step, %d thread%s: median %.0f tokens/s (%.0f tokens per CPU-second) over "
          "%d batches of 64 captions" % (args.threads, "s" if args.threads > 1 else "",
                                         statistics.median(rates), statistics.median(cpu_rates),
                                         args.batches))


if __name__ == "__main__":
    main()

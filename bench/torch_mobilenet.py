#!/usr/bin/env python3
"""Times one MobileNetV2 1.0/224 forward pass (batch 1, float32) in PyTorch.

A reference for bench/encoder.sh.  The architecture (Sandler et al. 2018,
table 2) is written out in plain torch.nn with batch norm folded into the
convolutions, as in the .tflite; weights are random, which does not change
the time.  Prints the median of --runs runs in milliseconds.

With --export PATH, writes instead torchvision's mobilenet_v2() (Debian's
python3-torchvision; random weights) as ONNX, for ONNX Runtime, which folds
the batch norms itself when it loads the graph.
"""
import argparse
import statistics
import time

import torch
from torch import nn


def conv_bn_relu6(inp, out, kernel, stride, groups=1):
    # TFLite folds batch norm into the convolution; so does this reference.
    return nn.Sequential(
        nn.Conv2d(inp, out, kernel, stride, kernel // 2, groups=groups, bias=True),
        nn.ReLU6(inplace=True))


class InvertedResidual(nn.Module):
    def __init__(self, inp, out, stride, expand):
        super().__init__()
        hidden = inp * expand
        layers = []
        if expand != 1:
            layers.append(conv_bn_relu6(inp, hidden, 1, 1))
        layers += [conv_bn_relu6(hidden, hidden, 3, stride, groups=hidden),
                   nn.Conv2d(hidden, out, 1, 1, 0, bias=True)]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and inp == out

    def forward(self, x):
        return x + self.body(x) if self.residual else self.body(x)


class MobileNetV2(nn.Module):
    # (expansion t, channels c, repeats n, first stride s), table 2 of the paper.
    SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]

    def __init__(self, classes=1001):
        super().__init__()
        layers = [conv_bn_relu6(3, 32, 3, 2)]
        inp = 32
        for t, c, n, s in self.SETTINGS:
            for i in range(n):
                layers.append(InvertedResidual(inp, c, s if i == 0 else 1, t))
                inp = c
        layers.append(conv_bn_relu6(inp, 1280, 1, 1))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(1280, classes)

    def forward(self, x):
        x = self.features(x)
        x = x.mean((2, 3))
        return torch.softmax(self.classifier(x), 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--export", metavar="PATH")
    args = parser.parse_args()
    if args.export:
        import torchvision
        torch.manual_seed(0)
        model = torchvision.models.mobilenet_v2().eval()
        torch.onnx.export(model, torch.rand(1, 3, 224, 224), args.export, opset_version=13,
                          input_names=["input"], output_names=["logits"])
        return
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = MobileNetV2().eval()
    x = torch.rand(1, 3, 224, 224)
    times = []
    with torch.inference_mode():
        for _ in range(5):  # warm-up: first calls allocate and pick kernels
            model(x)
        for _ in range(args.runs):
            start = time.perf_counter()
            model(x)
            times.append((time.perf_counter() - start) * 1000.0)
    print(f"{statistics.median(times):.3f}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Rounding error of Winograd F(2x2,3x3) and F(4x4,3x3) in float32 against a float64 direct
convolution: y, dX and dW, as max |error| / max |reference| (the measure of minicnn's tests).
A numpy model of the algorithm in src/kernels/conv_winograd.cpp (transforms in float32, the 16 or
36 element-wise stages as float32 matrix products over channels), used to choose the tile size.
    python3 bench/winograd_error.py"""
import numpy as np

F = {2: (np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], float),
         np.array([[1, 0, 0], [.5, .5, .5], [.5, -.5, .5], [0, 0, 1]], float),
         np.array([[1, 1, 1, 0], [0, 1, -1, -1]], float)),
     4: (np.array([[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0], [0, -2, -1, 2, 1, 0],
                   [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]], float),
         np.array([[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6], [1 / 24, 1 / 12, 1 / 6],
                   [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]], float),
         np.array([[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]], float))}


def direct(x, w, p):  # float64 correlation, x (N,C,H,W), w (O,C,3,3)
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    OH, OW = xp.shape[2] - 2, xp.shape[3] - 2
    y = np.zeros((x.shape[0], w.shape[0], OH, OW))
    for i in range(3):
        for j in range(3):
            y += np.einsum('nchw,oc->nohw', xp[:, :, i:i + OH, j:j + OW], w[:, :, i, j])
    return y


def tiles(x, p, m, OH, OW):  # (N, C, TH, TW, a, a) input tiles, float32
    a = m + 2
    TH, TW = -(-OH // m), -(-OW // m)
    xp = np.zeros((x.shape[0], x.shape[1], TH * m + 2, TW * m + 2), np.float32)
    xp[:, :, p:p + x.shape[2], p:p + x.shape[3]] = x
    t = np.empty((x.shape[0], x.shape[1], TH, TW, a, a), np.float32)
    for i in range(a):
        for j in range(a):
            t[..., i, j] = xp[:, :, i:i + TH * m:m, j:j + TW * m:m]
    return t


def wino_forward(x, w, p, m):
    BT, G, AT = (M.astype(np.float32) for M in F[m])
    OH, OW = x.shape[2] + 2 * p - 2, x.shape[3] + 2 * p - 2
    V = BT @ tiles(x, p, m, OH, OW) @ BT.T                       # (N, C, TH, TW, a, a)
    U = G @ w.astype(np.float32) @ G.T                            # (O, C, a, a)
    M = np.einsum('nctuij,ocij->notuij', V, U, dtype=np.float32)  # float32 sums over channels
    Y = AT @ M @ AT.T                                             # (N, O, TH, TW, m, m)
    N, O, TH, TW = Y.shape[:4]
    return Y.transpose(0, 1, 2, 4, 3, 5).reshape(N, O, TH * m, TW * m)[:, :, :OH, :OW]


def wino_dw(x, dy, p, m):  # G^T [ sum over tiles of (A dy A^T) (.) V ] G
    BT, G, AT = (M.astype(np.float32) for M in F[m])
    OH, OW = dy.shape[2:]
    V = BT @ tiles(x, p, m, OH, OW) @ BT.T
    TH, TW = V.shape[2:4]
    dyp = np.zeros((dy.shape[0], dy.shape[1], TH * m, TW * m), np.float32)
    dyp[:, :, :OH, :OW] = dy
    dyt = dyp.reshape(dy.shape[0], dy.shape[1], TH, m, TW, m).transpose(0, 1, 2, 4, 3, 5)
    D = AT.T @ dyt @ AT
    X = np.einsum('notuij,nctuij->ocij', D, V, dtype=np.float32)
    return G.T @ X @ G


def rel(a, b):
    return np.abs(a - b).max() / np.abs(b).max()


rng = np.random.default_rng(29)
print('| tile | layer (N, C -> OC, HxW, pad) | y | dX | dW |')
print('|---|---|---|---|---|')
for N, C, O, H, p in [(8, 32, 32, 32, 1), (8, 64, 64, 16, 1), (8, 16, 16, 32, 1), (8, 64, 64, 8, 1)]:
    x = rng.standard_normal((N, C, H, H)).astype(np.float32)
    w = (rng.uniform(-1, 1, (O, C, 3, 3)) / np.sqrt(9 * C)).astype(np.float32)
    dy = rng.standard_normal((N, O, H + 2 * p - 2, H + 2 * p - 2)).astype(np.float32)
    y64 = direct(x.astype(float), w.astype(float), p)
    wf = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)
    dx64 = direct(dy.astype(float), wf.astype(float), 2 - p)
    dw64 = np.einsum('nohw,nchw->oc', dy.astype(float), np.zeros_like(x[:, :, :1, :1], float))  # shape only
    xp = np.pad(x.astype(float), ((0, 0), (0, 0), (p, p), (p, p)))
    dw64 = np.stack([np.stack([np.einsum('nohw,nchw->oc', dy.astype(float), xp[:, :, i:i + dy.shape[2], j:j + dy.shape[3]])
                               for j in range(3)], -1) for i in range(3)], -2)
    for m in (2, 4):
        print(f'| F({m}x{m},3x3) | {N}, {C} -> {O}, {H}x{H}, {p} | {rel(wino_forward(x, w, p, m), y64):.1e} | '
              f'{rel(wino_forward(dy, np.ascontiguousarray(wf), 2 - p, m), dx64):.1e} | {rel(wino_dw(x, dy, p, m), dw64):.1e} |')

/* vocab.h — internal: the special tokens that open every vocabulary. */
#pragma once

/* "<pad>" "<start>" "<end>" "<unk>", at ids GAZE_TOKEN_PAD … GAZE_TOKEN_UNK. */
#define GAZE_VOCAB_N_SPECIAL 4
extern const char *const gaze_vocab_special_tokens[GAZE_VOCAB_N_SPECIAL];

/* gaze-train.h — datasets, features, metrics, model files and training.
 *
 * The inference API (gaze.h) is all the window needs.  This header serves the
 * command-line tool: building a vocabulary from Flickr8k, caching encoder
 * grids, training the decoder, scoring captions, and the model file format.
 */
#pragma once

#include "gaze.h"

G_BEGIN_DECLS

/* ── Text and vocabulary ─────────────────────────────────────────────────── */

/* Lowercase, punctuation stripped, words separated by single spaces. */
char *gaze_text_normalize (const char *caption);
/* A normalised caption as it would describe the photo mirrored left to
 * right: "left" and "right" trade places, every other word stays. */
char *gaze_text_mirror (const char *caption);

enum {
  GAZE_TOKEN_PAD = 0,
  GAZE_TOKEN_START = 1,
  GAZE_TOKEN_END = 2,
  GAZE_TOKEN_UNK = 3,
};

typedef struct _GazeVocab GazeVocab;

/* From a list of words whose first four are <pad> <start> <end> <unk>. */
GazeVocab *gaze_vocab_new (const char *const *words, int n_words, GError **error);
void gaze_vocab_free (GazeVocab *vocab);
int gaze_vocab_get_size (const GazeVocab *vocab);
const char *gaze_vocab_get_word (const GazeVocab *vocab, int id);
int gaze_vocab_lookup (const GazeVocab *vocab, const char *word); /* GAZE_TOKEN_UNK if absent */
/* Splits a normalised caption into ids, without <start> or <end>; returns the count. */
int gaze_vocab_encode (const GazeVocab *vocab, const char *caption, int *ids, int max_ids);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GazeVocab, gaze_vocab_free)

/* ── Datasets: Flickr8k-style token files and split lists ─────────────────── */

typedef struct {
  int n_images;
  char **image_ids;  /* file names without ".jpg", in split-file order */
  char ***captions;  /* per image, a NULL-terminated list of normalised captions */
  int n_skipped;     /* caption lines (or split ids) naming images that do not exist */
} GazeDataset;

GazeDataset *gaze_dataset_load (const char *images_dir, const char *token_file,
                                const char *split_file, GError **error);
void gaze_dataset_free (GazeDataset *dataset);
/* The words seen at least min_count times, after the four special tokens. */
GazeVocab *gaze_dataset_build_vocab (const GazeDataset *dataset, int min_count);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GazeDataset, gaze_dataset_free)

/* The caption files that captioning code already reads, besides Flickr8k's. */
typedef enum {
  GAZE_DATASET_FLICKR8K, /* Flickr8k.token.txt and split lists (gaze_dataset_load) */
  GAZE_DATASET_KARPATHY, /* dataset_{flickr8k,flickr30k,coco}.json: images[].filename, split,
                            sentences[].tokens */
  GAZE_DATASET_COCO,     /* captions_*.json: images[].id, file_name; annotations[].image_id,
                            caption; one split a file */
} GazeDatasetFormat;

/* "Flickr8k", "Karpathy split JSON", "COCO captions JSON". */
const char *gaze_dataset_format_to_string (GazeDatasetFormat format);
/* Reads a JSON caption file, its format told from its content (format, if
 * not NULL, receives it).  For a Karpathy file, the photos whose split is
 * split ("train" also takes "restval"; NULL: all of them); a COCO file holds
 * one split, all of it read whatever split says.  The photos must be
 * directly in images_dir (a Karpathy filepath is not used); those missing
 * are skipped and counted in n_skipped.  A missing field, an unknown
 * image_id or an empty split is a one-line GAZE_ERROR_DATA naming the file. */
GazeDataset *gaze_dataset_load_json (const char *images_dir, const char *json_file,
                                     const char *split, GazeDatasetFormat *format,
                                     GError **error);
/* Removes the captions with no word in vocab (every word <unk>), and the
 * photos left with none; returns how many captions went, and (if not NULL)
 * the first one as "PHOTO: caption" in *example. */
int gaze_dataset_drop_unknown_captions (GazeDataset *dataset, const GazeVocab *vocab,
                                        char **example);

/* ── Feature cache: encoder grids for a directory of images ──────────────── */

typedef struct _GazeFeatureCache GazeFeatureCache;

/* Opens the cache file at path, or (re)builds it when it is missing, stale
 * (another encoder's sha256, another image list) or corrupt, by running the
 * encoder over every *.jpg in images_dir. */
GazeFeatureCache *gaze_feature_cache_open (const char *path, const GazeEncoder *encoder,
                                           const char *images_dir, GazeProgressFunc progress,
                                           gpointer user_data, GError **error);
void gaze_feature_cache_free (GazeFeatureCache *cache);
/* n_cells × channels floats, or NULL when image_id is not in the cache. */
const float *gaze_feature_cache_lookup (const GazeFeatureCache *cache, const char *image_id);
/* The default location: $XDG_CACHE_HOME/gaze/features-<sha256 prefix>.bin */
char *gaze_feature_cache_default_path (const GazeEncoder *encoder);
/* The same as gaze_feature_cache_open, for the grids of the photos mirrored
 * left to right (training's augmentation, GazeTrainConfig.mirrored).  Their
 * cache is keyed by gaze_feature_cache_mirrored_id rather than the encoder's
 * sha256, so neither kind of cache is ever taken for the other. */
GazeFeatureCache *gaze_feature_cache_open_mirrored (const char *path, const GazeEncoder *encoder,
                                                    const char *images_dir,
                                                    GazeProgressFunc progress, gpointer user_data,
                                                    GError **error);
/* The key of the mirrored grids of encoder_sha256's encoder: 64 hex digits. */
char *gaze_feature_cache_mirrored_id (const char *encoder_sha256);
/* Where the mirrored grids go beside the cache at path: "-mirrored" before
 * its ".bin", or at its end. */
char *gaze_feature_cache_mirrored_path (const char *path);
/* Opens an existing, valid cache without building anything: fails with
 * GAZE_ERROR_IO when path is missing, GAZE_ERROR_CORRUPT when damaged, and
 * GAZE_ERROR_MISMATCH when encoder_sha256 (if not NULL) differs. */
GazeFeatureCache *gaze_feature_cache_load (const char *path, const char *encoder_sha256,
                                           GError **error);
/* (Re)builds the cache at path, with n_workers threads each encoding other
 * images (0: the default, measured fastest on 2 cores). */
gboolean gaze_feature_cache_build (const char *path, const GazeEncoder *encoder,
                                   const char *images_dir, int n_workers,
                                   GazeProgressFunc progress, gpointer user_data, GError **error);
/* Checks every grid against the hash stored when it was written (opening
 * checks only a sample); GAZE_ERROR_CORRUPT names the first bad image. */
gboolean gaze_feature_cache_verify (const GazeFeatureCache *cache, GazeProgressFunc progress,
                                    gpointer user_data, GError **error);
int gaze_feature_cache_get_n_images (const GazeFeatureCache *cache);
int gaze_feature_cache_get_n_cells (const GazeFeatureCache *cache);
int gaze_feature_cache_get_channels (const GazeFeatureCache *cache);
/* The absolute path of the folder the grids were computed from. */
const char *gaze_feature_cache_get_images_dir (const GazeFeatureCache *cache);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GazeFeatureCache, gaze_feature_cache_free)

/* ── Metrics: as the COCO caption evaluation computes them ───────────────── */

typedef struct {
  double bleu[4]; /* corpus BLEU-1..4 */
  double cider_d;
  double rouge_l;
  double meteor; /* negative when not computed */
} GazeScores;

/* candidates[i] is a normalised caption; references[i] a NULL-terminated list. */
void gaze_metrics_score (int n, const char *const *candidates, char **const *references,
                         GazeScores *scores);

/* CIDEr-D of one caption at a time against a fixed corpus's document
 * frequencies: the reward of self-critical training.  references[i] is image
 * i's NULL-terminated list.  with_end: every reference, and every candidate
 * that ended, counts an "<end>" word, so a caption cut short scores less. */
typedef struct _GazeCiderScorer GazeCiderScorer;
GazeCiderScorer *gaze_cider_scorer_new (int n, char **const *references, gboolean with_end);
double gaze_cider_scorer_score (const GazeCiderScorer *scorer, int image, const char *candidate,
                                gboolean ended);
void gaze_cider_scorer_free (GazeCiderScorer *scorer);

/* ── Model files: metadata and named tensors, checksummed ─────────────────── */

typedef struct _GazeModelFile GazeModelFile;

#define GAZE_MODEL_FILE_MAX_DIMS 8

GazeModelFile *gaze_model_file_new (void);
GazeModelFile *gaze_model_file_read (const char *path, GError **error);
/* Written to a temporary file and renamed, so a failure never leaves half a file. */
gboolean gaze_model_file_write (const GazeModelFile *file, const char *path, GError **error);
void gaze_model_file_free (GazeModelFile *file);

void gaze_model_file_set_meta (GazeModelFile *file, const char *key, const char *value);
const char *gaze_model_file_get_meta (const GazeModelFile *file, const char *key);
/* Stores a copy of data; with fp16 the file holds it as IEEE half floats. */
void gaze_model_file_add_tensor (GazeModelFile *file, const char *name, int n_dims,
                                 const int *dims, const float *data, gboolean fp16);
/* The tensor's floats, or NULL with GAZE_ERROR_CORRUPT when it is missing or
 * GAZE_ERROR_MISMATCH when its shape differs from dims. */
const float *gaze_model_file_get_tensor (const GazeModelFile *file, const char *name,
                                         int n_dims, const int *dims, GError **error);
/* The tensor's number of dimensions (its shape into dims, which holds
 * GAZE_MODEL_FILE_MAX_DIMS ints, when not NULL), or 0 when it is missing. */
int gaze_model_file_get_tensor_shape (const GazeModelFile *file, const char *name, int *dims);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GazeModelFile, gaze_model_file_free)

/* ── Models: metadata, saving, batched captioning (model.c, beam.c) ───────── */

/* Model metadata (keys listed in model.c: "hyperparameters", "training.command",
 * "dev.bleu4" …) and saving; gaze_model_load is in gaze.h. */
void gaze_model_set_meta (GazeModel *model, const char *key, const char *value);
const char *gaze_model_get_meta (const GazeModel *model, const char *key);
const GazeVocab *gaze_model_get_vocab (const GazeModel *model);
int gaze_model_get_grid_size (const GazeModel *model);
int gaze_model_get_channels (const GazeModel *model);
/* Atomically, with the tensors as fp16. */
gboolean gaze_model_save (const GazeModel *model, const char *path, GError **error);
/* Weight averaging: a new model whose every parameter is the mean of the n
 * models' (checkpoints of one run, say, or runs fine-tuned from one model),
 * with models[0]'s metadata less its dev scores, which the mean has not
 * earned.  The models must share sizes, vocabulary, attention and encoder:
 * otherwise NULL and GAZE_ERROR_MISMATCH, naming the pair. */
GazeModel *gaze_model_average (const GazeModel *const *models, int n, GError **error);

/* gaze_model_caption for n_images grids [n_images, cells, channels] at once:
 * each step runs the beams of all the images as one batch, much faster than
 * one image at a time, with n_threads threads (run OpenBLAS single-threaded
 * meanwhile for the best speed).  Returns n_images captions (a NULL-terminated
 * array, free each with gaze_caption_free, then the array with g_free). */
GazeCaption **gaze_model_caption_batch (const GazeModel *model, const float *grids,
                                        int n_images, int beam_width, int n_threads,
                                        GCancellable *cancellable, GError **error);

/* ── Evidence: does a word depend on where the model looked? (evidence.c) ─── */

#define GAZE_FAITH_DRAWS 5 /* random 3-cell removals a word */

/* Sums over the words scored: the drop in log p(word), with the caption
 * teacher-forced, when the 3 cells of highest α are removed from that step's
 * attention, and the mean drop over GAZE_FAITH_DRAWS removals of 3 random
 * cells. */
typedef struct {
  gint64 n_words;
  double drop_top;
  double drop_random;
  double abs_drop_random; /* the mean |drop| of the random removals */
} GazeFaithfulness;

/* Adds the words of beams[i], the caption of grids[i] ([n_images, L, C]),
 * into acc.  Deterministic: image i draws its random cells from seed + i. */
gboolean gaze_model_faithfulness (const GazeModel *model, const float *grids, int n_images,
                                  const GazeBeam *const *beams, guint64 seed, int n_threads,
                                  GazeFaithfulness *acc, GError **error);
/* drop_top / abs_drop_random: how much more removing the top-3 cells lowers
 * p(word) than removing 3 random cells changes it either way.  0 for exactly
 * uniform attention (the top cells are then any cells, whose drops average
 * out), about the ratio of the α mass removed for attention the word ignores,
 * and well above 1 for attention the word depends on.  NAN when nothing was
 * scored.  (The ratio of the signed means, drop_top / drop_random, is not
 * used as the headline figure: removing random cells moves the context in a
 * random direction, so the signed drops cancel to about 0 and the ratio
 * swings with noise, negative or huge.) */
double gaze_faithfulness_ratio (const GazeFaithfulness *acc);
double gaze_faithfulness_signed_ratio (const GazeFaithfulness *acc);

/* ── Grounding: does α lie where the photo's evidence is? (evidence.c) ───── */

/* α says which cells of the encoder's grid a word read; a heatmap drawn over
 * the photo reads as "the word came from these pixels".  The two agree only
 * as far as a cell's features come from the pixels under it, and the last
 * grid of an ImageNet CNN sees far beyond its cell.  Occlusion
 * (gaze_model_occlusion) measures the second directly: how much greying each
 * cell of the photo lowers log p(word).  Grounding compares α with it, word
 * by word, over the words that depend on some part of the photo: those that
 * greying one cell lowers by at least GAZE_GROUNDING_MIN_DROP nats. */
#define GAZE_GROUNDING_MIN_DROP 0.1f
#define GAZE_GROUNDING_TOP 3 /* the cells of most occlusion evidence a word */

typedef struct {
  int n_cells;
  gint64 n_words;   /* words counted */
  gint64 n_skipped; /* words no single cell's occlusion lowered by GAZE_GROUNDING_MIN_DROP */
  double mass;      /* Σ over the words of α's mass on their GAZE_GROUNDING_TOP cells */
  gint64 hits;      /* words whose cell of largest α is among them (ties at third count) */
  double *alpha_sum; /* [n_cells]: Σ α of the counted words, their mean map × n_words */
  double *top_count; /* [n_cells]: how many counted words have cell i among their top cells */
} GazeGrounding;

void gaze_grounding_init (GazeGrounding *acc, int n_cells);
void gaze_grounding_clear (GazeGrounding *acc);
/* Adds the words of beam, whose occlusion maps gaze_model_occlusion filled
 * (words without one are skipped and counted). */
void gaze_grounding_add (GazeGrounding *acc, const GazeBeam *beam);

typedef struct {
  double mass;          /* α's mean mass on a word's top occlusion cells */
  double mass_mean_map; /* the same for one map for every word, the words' mean α: what
                         * a fixed bias (towards the centre, say) earns without looking */
  double mass_uniform;  /* GAZE_GROUNDING_TOP / n_cells */
  double hit_rate;      /* the share of words whose α peak lies on one of their top cells */
  double hit_chance;    /* the same for a cell drawn at random: GAZE_GROUNDING_TOP / n_cells */
} GazeGroundingFigures;

/* The figures of acc; every one NAN when no word was counted. */
void gaze_grounding_figures (const GazeGrounding *acc, GazeGroundingFigures *figures);

/* ── Evaluation: caption a split and score it (eval.c) ───────────────────── */

/* Writes image_id's grid (cells × channels floats) into grid. */
typedef gboolean (*GazeGridFunc) (const char *image_id, float *grid, gpointer user_data,
                                  GError **error);
/* The photo of image_id, as the grids were made from it (NULL and error when it
 * cannot be read). */
typedef GazeImage *(*GazeImageFunc) (const char *image_id, gpointer user_data, GError **error);
/* A GazeGridFunc reading a GazeFeatureCache (user_data). */
gboolean gaze_feature_cache_read_grid (const char *image_id, float *grid, gpointer cache,
                                       GError **error);

typedef struct {
  int beam;             /* beam width (3) */
  int n_threads;        /* the decoder's threads (1); run OpenBLAS with one thread */
  gboolean faithfulness; /* also measure faithfulness (FALSE: about 7 more steps a word) */
  guint64 seed;         /* faithfulness's random cells (1) */
  /* Grounding (NULL: not measured): the photos of the split, occluded and
   * encoded again by this encoder, one encode a cell and one more a photo. */
  const GazeEncoder *grounding_encoder;
  GazeImageFunc get_image;
  gpointer image_data;
} GazeEvalOptions;

void gaze_eval_options_init (GazeEvalOptions *options);

typedef struct {
  GazeScores scores;
  double mean_peak;     /* the largest α of a word, averaged over all words */
  double mean_change;   /* ½ Σ|α_t − α_t−1| between consecutive words, averaged */
  double mean_beta;
  GazeFaithfulness faith;
  double faithfulness;  /* gaze_faithfulness_ratio (&faith); NAN when not measured */
  GazeGrounding grounding; /* n_cells 0 when not measured */
  int distinct_words;   /* in all the captions together */
  double mean_length;   /* words a caption */
  char **captions;      /* one normalised caption a photo, NULL-terminated */
} GazeEvaluation;

/* Captions every photo of dataset (grids from get_grid) by beam search and
 * scores the captions against the dataset's references. */
gboolean gaze_model_evaluate (const GazeModel *model, const GazeDataset *dataset,
                              GazeGridFunc get_grid, gpointer grid_data,
                              const GazeEvalOptions *options, GazeProgressFunc progress,
                              gpointer user_data, GazeEvaluation *result, GError **error);
void gaze_evaluation_clear (GazeEvaluation *result);

/* ── Training (train.c) ───────────────────────────────────────────────────── */

typedef enum {
  GAZE_SCST_BASELINE_GREEDY, /* the greedy caption's reward (Rennie et al. 2017) */
  GAZE_SCST_BASELINE_MEAN,   /* the mean reward of the photo's other samples */
} GazeScstBaseline;

typedef struct {
  /* Model sizes (the vocabulary is built from the training captions). */
  int squeeze_dim;  /* D, 256 */
  int embed_dim;    /* E, 256 */
  int hidden_dim;   /* H, 512 */
  int attn_dim;     /* A, 256 */
  int min_count;    /* vocabulary: words seen at least this often (5) */
  int max_words;    /* longer captions are cut to this many words (40) */
  /* The model's kind.  With init: init's own kind continues it; the other kind
   * starts that kind from init's weights (both kinds have the same
   * parameters, so a soft model is a starting point for a hard one). */
  GazeAttention attention;
  /* Optimisation. */
  int batch_size;   /* captions per mini-batch (64) */
  int epochs;       /* at most (20) */
  int patience;     /* stop after this many epochs without a better dev BLEU-4 (3) */
  float lr;         /* Adam (1e-3) */
  float lr_decay;   /* lr × decay^epoch (0.8) */
  float clip;       /* global gradient-norm limit, 0 for none (5) */
  float dropout;    /* before the deep output's L_o (0.5) */
  /* Dropout on the annotation vectors a_i, after the squeeze (0).  In
   * self-critical training each photo of a batch gets one mask, under which
   * its captions are both sampled and trained. */
  float annotation_dropout;
  /* TRUE: it drops whole channels of a photo's annotations, alike at all of
   * its cells, rather than each value alone (FALSE). */
  gboolean annotation_dropout_by_channel;
  float label_smoothing; /* ε of the maximum-likelihood word targets (0) */
  /* Scheduled sampling (Bengio et al. 2015) in maximum-likelihood training:
   * the probability P that a word fed in is the model's own, drawn from a
   * teacher-forced pass of the batch, rising from 0 over the first epochs
   * (0: every input is the reference's word). */
  float scheduled_sampling;
  /* Standardise each of the grid's channels, (x − μ_c) / σ_c with μ and σ
   * over the training photos' cells, before the squeeze (FALSE).  The model
   * written holds it folded into the squeeze's weights and runs on raw
   * grids; the checkpoint holds the unfolded weights, and an init model's
   * are unfolded with this run's statistics. */
  gboolean normalise_grid;
  /* Centre each photo's grid over its cells, f_i − mean_j f_j, before the
   * squeeze (FALSE; an init model that centres keeps doing so).  Unlike
   * normalise_grid it depends on the photo, so the model written does it
   * too, on every photo it reads (hyperparameter grid=centred); the two
   * do not combine. */
  gboolean centre_grid;
  float lambda;     /* doubly stochastic regularisation λ (1) */
  float entropy_weight; /* hard attention: λ_e (0.01) */
  float reinforce_weight; /* hard attention: λ_r, the REINFORCE term's weight (eq. 12) (1) */
  float expected_prob;  /* hard attention: P(s̃ = α) (0.5) */
  guint64 seed;
  int max_train;    /* use only the first N training images (0: all) */
  int max_dev;      /* score only the first N dev images (0: all) */
  int eval_beam;    /* beam width of the per-epoch dev evaluation (3) */
  int n_threads;    /* the decoder's threads (1); run OpenBLAS with one thread meanwhile */
  /* Starting point: this model's parameters and vocabulary (NULL: random). */
  const GazeModel *init;
  /* Augmentation: the training photos' grids mirrored left to right
   * (gaze_feature_cache_open_mirrored).  Each epoch then shows every training
   * photo mirrored with probability 1/2, a coin of the seed, the epoch and the
   * photo, with "left" and "right" swapped in its references and in the
   * words its self-critical samples are rewarded for (NULL: none). */
  const GazeFeatureCache *mirrored;
  /* Self-critical sequence training (Rennie et al. 2017) from init: CIDEr-D
   * reward, greedy baseline, scst_samples sampled captions a photo. */
  gboolean scst;
  int scst_samples; /* (5) */
  GazeScstBaseline scst_baseline; /* (greedy) */
  /* The mixed objective (Paulus et al. 2018): each photo's reference captions
   * join its samples with this weight on their −log p, which keeps the model
   * near the references' distribution while the reward moves it (0: none).
   * A hard model's references are trained as maximum likelihood trains
   * them: their cells drawn from α (or s̃ = α), rewarded by REINFORCE with
   * reinforce_weight and the moving baseline, all of it weighted scst_mix. */
  float scst_mix;
  /* Self-retrieval: each sample's reward gains this weight times how much
   * better it fits its own photo than another photo of the batch, by the
   * model's own likelihood, per word: (log p(c|a_i) − log p(c|a_j)) / steps.
   * It rewards what sets a photo apart rather than what most photos share
   * (0: none; needs two photos a batch). */
  float scst_retrieval;
  /* Files and provenance. */
  const char *checkpoint_path; /* NULL: <out>.ckpt */
  gboolean resume;             /* continue from checkpoint_path */
  const char *command;         /* the command line, recorded in the model */
  const char *encoder_name;
  const char *encoder_sha256;
} GazeTrainConfig;

/* Fills config with the defaults above (the reference PyTorch settings). */
void gaze_train_config_init (GazeTrainConfig *config);

typedef struct {
  int epoch;          /* from 1 */
  int n_epochs;
  gint64 batch;       /* batches done in this epoch */
  gint64 n_batches;
  double loss;        /* running mean of the training loss this epoch (self-critical
                       * training: the greedy captions' mean CIDEr-D reward) */
  double reward;      /* self-critical training: the sampled captions' mean reward */
  double tokens_per_s;
  double train_seconds; /* this epoch's batches */
  double eval_seconds;  /* this epoch's dev evaluation (set for GazeTrainEpochFunc) */
} GazeTrainStatus;

/* After every batch; return FALSE to stop (the last checkpoint remains). */
typedef gboolean (*GazeTrainProgressFunc) (const GazeTrainStatus *status, gpointer user_data);
/* After every epoch's dev evaluation. */
typedef void (*GazeTrainEpochFunc) (const GazeTrainStatus *status, const GazeScores *dev,
                                    gboolean improved, gpointer user_data);

/* Trains a decoder on train's captions, evaluating on dev after every epoch,
 * and writes the best model (by dev BLEU-4) to out_path and a checkpoint
 * (parameters, Adam moments, epoch, random state, best score) every epoch.
 * Deterministic for a given config (seed) and thread count. */
gboolean gaze_train (const GazeTrainConfig *config, const GazeDataset *train,
                     const GazeDataset *dev, const GazeFeatureCache *cache, const char *out_path,
                     GazeTrainProgressFunc progress, GazeTrainEpochFunc on_epoch,
                     gpointer user_data, GError **error);

G_END_DECLS

# Table 5's FCN16s (Long et al., 2015): FCN32s (fcn32s_r101_mtchi.py) with the
# stride-16 skip: a score layer on the third stage (started at zero), the
# stride-32 scores up-sampled 2x by a learned transposed conv (started
# bilinear) and added, then a fixed bilinear x16 up-sampling.
_base_ = './fcn32s_r101_mtchi.py'
model = dict(decode_head=dict(in_channels=(1024, 2048), in_index=(2, 3)))

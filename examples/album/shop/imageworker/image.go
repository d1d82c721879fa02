package imageworker

import "hash/crc32"

// The image is RGB in one flat slice: simple enough to stay readable, heavy
// enough per pixel that the work is real CPU and not allocation.
const (
	imageSide  = 256
	blurPasses = 8
)

type picture struct {
	w, h int
	pix  []uint8 // 3 bytes per pixel, row by row
}

// generate paints a deterministic pattern from seed (a xorshift stream), so
// the same upload always yields the same picture.
func generate(seed uint64, w, h int) picture {
	if seed == 0 {
		seed = 0x9e3779b97f4a7c15
	}
	p := picture{w: w, h: h, pix: make([]uint8, w*h*3)}
	x := seed
	for i := range p.pix {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		p.pix[i] = uint8(x >> 56)
	}
	return p
}

// blur is a 3x3 box blur with clamped edges.
func blur(src picture) picture {
	dst := picture{w: src.w, h: src.h, pix: make([]uint8, len(src.pix))}
	for y := range src.h {
		for x := range src.w {
			for c := range 3 {
				sum, n := 0, 0
				for dy := -1; dy <= 1; dy++ {
					yy := y + dy
					if yy < 0 || yy >= src.h {
						continue
					}
					for dx := -1; dx <= 1; dx++ {
						xx := x + dx
						if xx < 0 || xx >= src.w {
							continue
						}
						sum += int(src.pix[(yy*src.w+xx)*3+c])
						n++
					}
				}
				dst.pix[(y*src.w+x)*3+c] = uint8(sum / n)
			}
		}
	}
	return dst
}

// downsize halves both sides by averaging 2x2 blocks (a print preview).
func downsize(src picture) picture {
	w, h := src.w/2, src.h/2
	dst := picture{w: w, h: h, pix: make([]uint8, w*h*3)}
	for y := range h {
		for x := range w {
			for c := range 3 {
				s := int(src.pix[((2*y)*src.w+2*x)*3+c]) + int(src.pix[((2*y)*src.w+2*x+1)*3+c]) +
					int(src.pix[((2*y+1)*src.w+2*x)*3+c]) + int(src.pix[((2*y+1)*src.w+2*x+1)*3+c])
				dst.pix[(y*w+x)*3+c] = uint8(s / 4)
			}
		}
	}
	return dst
}

func (p picture) checksum() uint32 { return crc32.ChecksumIEEE(p.pix) }

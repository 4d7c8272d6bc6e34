/**
 * A seccomp filter that forbids new user namespaces inside a sandbox, handed to bubblewrap with
 * `--seccomp FD` (bwrap loads it last, just before it execs the command, so bwrap's own set-up is
 * unaffected and every process of the sandbox inherits it).
 *
 * Why: a user namespace gives its creator every capability over the new namespace's objects, which
 * opens large parts of the kernel (netfilter, mount and filesystem code) to an unprivileged task:
 * most recent local privilege escalations start with `unshare -r`. The unprivileged server already
 * forbids them with bwrap's `--disable-userns`, but that needs a user namespace of bwrap's own, which
 * the root server does not use (its sandbox uid is a real host uid, see setprivCommand); this filter
 * works for both.
 *
 * What it does, for the host's architecture and its 32-bit compat one:
 * - `unshare` and `clone` with CLONE_NEWUSER in their flags fail with EPERM;
 * - `clone3` fails with ENOSYS: its flags sit in a struct in memory that seccomp cannot read, and
 *   ENOSYS makes glibc (and Go, Rust, musl) fall back to `clone`, which the filter can check;
 * - any other architecture (a binary for a foreign ABI) is killed: it could name the same calls by
 *   other numbers;
 * - everything else is allowed.
 * On hosts other than x86_64 and aarch64 there is no filter (userNamespaceFilter returns undefined,
 * and the provider logs that user namespaces are not forbidden there).
 */

/** Linux's AUDIT_ARCH_* values (seccomp_data.arch). */
const AUDIT_ARCH = {
  X86_64: 0xc000003e,
  I386: 0x40000003,
  AARCH64: 0xc00000b7,
  ARM: 0x40000028,
} as const

/** x32 syscalls are x86_64's with this bit set (and the x86_64 arch value). */
const X32_BIT = 0x40000000

type ArchCalls = { arch: number; clone: number[]; unshare: number[]; clone3: number[] }

/** Syscall numbers per architecture (from the kernel's syscall tables). */
const TABLES: Partial<Record<NodeJS.Architecture, ArchCalls[]>> = {
  x64: [
    {
      arch: AUDIT_ARCH.X86_64,
      clone: [56, X32_BIT | 56],
      unshare: [272, X32_BIT | 272],
      clone3: [435, X32_BIT | 435],
    },
    { arch: AUDIT_ARCH.I386, clone: [120], unshare: [310], clone3: [435] },
  ],
  arm64: [
    { arch: AUDIT_ARCH.AARCH64, clone: [220], unshare: [97], clone3: [435] },
    { arch: AUDIT_ARCH.ARM, clone: [120], unshare: [337], clone3: [435] },
  ],
}

export const CLONE_NEWUSER = 0x10000000
const EPERM = 1
const ENOSYS = 38

// Classic BPF opcodes (linux/filter.h, linux/seccomp.h).
const LD_W_ABS = 0x20 // BPF_LD | BPF_W | BPF_ABS
const JEQ_K = 0x15 // BPF_JMP | BPF_JEQ | BPF_K
const JSET_K = 0x45 // BPF_JMP | BPF_JSET | BPF_K
const RET_K = 0x06 // BPF_RET | BPF_K
const RET_ALLOW = 0x7fff0000
const RET_ERRNO = 0x00050000
const RET_KILL_PROCESS = 0x80000000

// Offsets in struct seccomp_data: nr, arch, then (after the instruction pointer) args[0]. Every
// supported architecture is little-endian, so the low 32 bits of args[0], where the CLONE_* flags
// are, come first.
const OFFSET_NR = 0
const OFFSET_ARCH = 4
const OFFSET_ARG0_LOW = 16

/** The architectures that get a filter (Node's names). */
export const SECCOMP_ARCHES = Object.keys(TABLES)

/**
 * The compiled filter for `arch` (default: this host's), as bwrap reads it: an array of
 * struct sock_filter; undefined when the architecture is not supported.
 */
export function userNamespaceFilter(arch: NodeJS.Architecture = process.arch): Buffer | undefined {
  const tables = TABLES[arch]
  if (!tables) return undefined
  const program = new Program()
  program.load(OFFSET_ARCH)
  tables.forEach((table, i) => {
    program.jumpIf(JEQ_K, table.arch, `arch${i}`)
  })
  program.ret(RET_KILL_PROCESS)
  tables.forEach((table, i) => {
    program.label(`arch${i}`)
    program.load(OFFSET_NR)
    for (const nr of table.clone3) program.jumpIf(JEQ_K, nr, 'enosys')
    for (const nr of [...table.clone, ...table.unshare]) program.jumpIf(JEQ_K, nr, 'flags')
    program.ret(RET_ALLOW)
  })
  program.label('flags')
  program.load(OFFSET_ARG0_LOW)
  program.jumpIf(JSET_K, CLONE_NEWUSER, 'eperm')
  program.ret(RET_ALLOW)
  program.label('eperm')
  program.ret(RET_ERRNO | EPERM)
  program.label('enosys')
  program.ret(RET_ERRNO | ENOSYS)
  return program.assemble()
}

type Instruction = { code: number; k: number; target?: string }

/** A tiny assembler: instructions with forward jumps to labels, resolved into relative offsets. */
class Program {
  readonly #code: Instruction[] = []
  readonly #labels = new Map<string, number>()

  load(offset: number) {
    this.#code.push({ code: LD_W_ABS, k: offset })
  }
  /** Jumps to `target` when the test holds, else falls through to the next instruction. */
  jumpIf(code: number, k: number, target: string) {
    this.#code.push({ code, k, target })
  }
  ret(value: number) {
    this.#code.push({ code: RET_K, k: value })
  }
  label(name: string) {
    this.#labels.set(name, this.#code.length)
  }

  assemble(): Buffer {
    const out = Buffer.alloc(this.#code.length * 8)
    this.#code.forEach((instruction, at) => {
      let jt = 0
      if (instruction.target !== undefined) {
        const to = this.#labels.get(instruction.target)
        if (to === undefined || to <= at) throw new Error(`seccomp: bad jump to ${instruction.target}`)
        jt = to - at - 1
        if (jt > 255) throw new Error('seccomp: jump too far')
      }
      // struct sock_filter { __u16 code; __u8 jt; __u8 jf; __u32 k; }, in the host's byte order.
      out.writeUInt16LE(instruction.code, at * 8)
      out.writeUInt8(jt, at * 8 + 2)
      out.writeUInt8(0, at * 8 + 3)
      out.writeUInt32LE(instruction.k >>> 0, at * 8 + 4)
    })
    return out
  }
}

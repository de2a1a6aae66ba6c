// SPDX-License-Identifier: GPL-2.0
// Writes to a struct cred: assignments to its fields, ++/--, the capability
// macros that write a field, a field's address taken, whole-struct copies.
// How patch 51's writers were found (each then put in a
// scoped_guard(cred_write)); a report is not a bug by itself: a guarded
// write is reported too.  From build/linux (coccinelle, Debian package):
//   spatch --sp-file ../../scripts/cocci/cred-writes.cocci -D report \
//     --very-quiet --all-includes --include-headers-for-types -I include \
//     -I arch/x86/include -I arch/x86/include/generated -I include/uapi \
//     -I arch/x86/include/uapi FILE.c
// over every .c file that names a cred (about 300; 6 minutes on 2 cores).
virtual report

@w depends on report@
struct cred *c;
identifier f;
expression E;
position p;
assignment operator aop;
@@
  c->f@p aop E

@i depends on report@
struct cred *c;
identifier f;
position p;
@@
(
  c->f@p++
|
  c->f@p--
|
  ++c->f@p
|
  --c->f@p
)

@a depends on report@
struct cred *c;
identifier f;
position p;
@@
  &c->f@p

@m depends on report@
struct cred *c;
identifier f;
position p;
expression list es;
@@
(
  cap_raise(c->f@p, es)
|
  cap_lower(c->f@p, es)
)

@d depends on report@
struct cred *c;
expression E;
position p;
@@
(
  *c@p = E
|
  memcpy(c@p, ...)
|
  memset(c@p, ...)
)

@script:python depends on w@
p << w.p;
f << w.f;
@@
coccilib.report.print_report(p[0], "assign " + f)

@script:python depends on i@
p << i.p;
f << i.f;
@@
coccilib.report.print_report(p[0], "incdec " + f)

@script:python depends on a@
p << a.p;
f << a.f;
@@
coccilib.report.print_report(p[0], "addr " + f)

@script:python depends on m@
p << m.p;
f << m.f;
@@
coccilib.report.print_report(p[0], "capmacro " + f)

@script:python depends on d@
p << d.p;
@@
coccilib.report.print_report(p[0], "whole")

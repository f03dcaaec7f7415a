/*
 * nothing: a program that exits 0 at its first instruction (no loader, no libc), so that an exec
 * of it costs the exec alone. `make bench` copies it under a parsed tool's name (curl: its exec
 * is decided on its arguments and verified at the commit) and under a name no parser knows, and
 * the difference between the two is what a verified exec adds, without 20 ms of curl's own
 * start-up around it.
 */
void _start(void)
{
    __asm__ volatile("mov $60, %eax\n\txor %edi, %edi\n\tsyscall");
}

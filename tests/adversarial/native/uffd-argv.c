/* Execs curl with an argument in a page registered with userfaultfd and never filled: whoever
 * reads that argument (the supervisor's process_vm_readv of the exec's argv, then the kernel's own
 * copy) waits for a fault handler that never answers. Usage: uffd-argv devnode|syscall [CURL]. A
 * root tree can open /dev/userfaultfd (0600 root), whose descriptors also take faults raised by the
 * kernel on another process's behalf; the syscall needs CAP_SYS_PTRACE for that
 * (vm.unprivileged_userfaultfd=0). Exits 3 when userfaultfd cannot be had. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
    int uffd;
    if (argc > 1 && strcmp(argv[1], "syscall") == 0) {
        uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
    } else {
        int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
        if (dev < 0) { perror("uffd-argv: open /dev/userfaultfd"); return 3; }
        uffd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC);
    }
    if (uffd < 0) { perror("uffd-argv: userfaultfd"); return 3; }
    struct uffdio_api api = { .api = UFFD_API };
    if (ioctl(uffd, UFFDIO_API, &api) != 0) { perror("uffd-argv: UFFDIO_API"); return 3; }
    long page = sysconf(_SC_PAGESIZE);
    char *region = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (region == MAP_FAILED) { perror("uffd-argv: mmap"); return 3; }
    struct uffdio_register reg = { .range = { (unsigned long)region, (unsigned long)page }, .mode = UFFDIO_REGISTER_MODE_MISSING };
    if (ioctl(uffd, UFFDIO_REGISTER, &reg) != 0) { perror("uffd-argv: UFFDIO_REGISTER"); return 3; }
    char *args[] = { "curl", region, NULL };
    execve(argc > 2 ? argv[2] : "/usr/bin/curl", args, environ);
    perror("uffd-argv: execve");
    return 1;
}

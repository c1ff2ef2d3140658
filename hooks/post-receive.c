/* post-receive: queue the build and deploy of the pushed deploy branch (to be written). */
int main(void)
{
	return 0;
}

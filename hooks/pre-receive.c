/* pre-receive: refuse a push whose Space config is wrong (to be written). */
int main(void)
{
	return 0;
}

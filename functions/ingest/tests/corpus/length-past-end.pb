
èabc
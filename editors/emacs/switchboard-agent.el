;;; switchboard-agent.el --- Chats with tools: when, which, and tool.execute  -*- lexical-binding: t; -*-

;; Copyright (C) 2025 The Switchboard authors

;; This file is not part of GNU Emacs.

;;; Commentary:

;; Whether a chat runs through `agent.run' (`switchboard-tools'; by
;; default, when the daemon has MCP servers), the editor tools it
;; offers, and the daemon's `tool.execute' requests, answered by
;; switchboard-tools.el in the project of the chat that runs.

;;; Code:

(require 'switchboard-rpc)
(require 'switchboard-stream)
(require 'switchboard-tools)

(defvar switchboard-agent--servers nil
  "(CONNECTION . HAS-SERVERS): whether that daemon's tools.list showed MCP servers.")

(defun switchboard-agent-offered ()
  "The editor tools a run offers, per `switchboard-tools' (a vector)."
  (switchboard-tools-definitions (and (consp switchboard-tools) switchboard-tools)))

(defun switchboard-agent-decide (use)
  "Call USE with whether a chat runs through `agent.run' (see `switchboard-tools').
With `auto', the daemon's tools.list is asked once per daemon, without
blocking; USE is then called when it answers.  Return the tools.list
request, or nil when USE was called at once."
  (let ((connection (and (eq switchboard-tools 'auto) (switchboard-rpc-connection))))
    (cond
     ((not (eq switchboard-tools 'auto)) (funcall use (and switchboard-tools t)) nil)
     ((eq (car switchboard-agent--servers) connection) (funcall use (cdr switchboard-agent--servers)) nil)
     (t (let ((decided (lambda (servers)
                         (setq switchboard-agent--servers (cons connection (and servers t)))
                         (funcall use (and servers t)))))
          (switchboard-rpc-send
           connection (switchboard-request-create) 'tools.list (switchboard-rpc-no-params)
           :on-result (lambda (result)
                        (funcall decided (seq-remove (lambda (server) (equal (plist-get server :status) "disabled"))
                                                     (plist-get result :servers))))
           :on-error (lambda (_error) (funcall decided nil))))))))

(defun switchboard-agent--directory (params)
  "The folder of the chat whose run sent the request PARAMS.
`default-directory' when there is none."
  (let* ((request (seq-find (lambda (request) (equal (switchboard-request-id request) (plist-get params :request_id)))
                            (switchboard-rpc-requests)))
         (buffer (plist-get (and request (switchboard-request-data request)) :buffer)))
    (if (buffer-live-p buffer)
        (buffer-local-value 'default-directory buffer)
      default-directory)))

(defun switchboard-agent-execute (params answer)
  "Run the editor tool the daemon's `tool.execute' PARAMS name.
ANSWER is called with its output.  Return the function that stops
it (a proposed edit is withdrawn)."
  (switchboard-tools-run
   (plist-get params :name) (plist-get params :arguments)
   (switchboard-tools-root (switchboard-agent--directory params))
   (lambda (text is-error)
     (funcall answer (append (list :content text) (and is-error (list :is_error t)))))))

(setf (alist-get 'tool.execute switchboard-rpc-later-handlers) #'switchboard-agent-execute)

(provide 'switchboard-agent)
;;; switchboard-agent.el ends here
